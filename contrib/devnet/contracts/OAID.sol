// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Owned.sol";

/// @notice ERC-721 identity token whose every token carries one USDC credit line.
/// Only the contract owner sets limits and activity; only the vault moves `used`.
contract OAID is Owned {
    struct CreditLine {
        uint256 limit;
        uint256 used;
        bool active;
    }

    string public constant name = "OAID";
    string public constant symbol = "OAID";

    uint256 public totalSupply;
    address public vault;

    mapping(uint256 => address) private _owners;
    mapping(address => uint256) private _balances;
    mapping(uint256 => address) private _tokenApprovals;
    mapping(address => mapping(address => bool)) private _operatorApprovals;
    mapping(uint256 => CreditLine) private _lines;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    event VaultSet(address indexed vault);
    event CreditLineUpdated(uint256 indexed tokenId, uint256 limit, bool active);
    event CreditUsedChanged(uint256 indexed tokenId, uint256 used);

    modifier onlyVault() {
        require(msg.sender == vault, "OAID: caller is not the vault");
        _;
    }

    modifier exists(uint256 tokenId) {
        require(_owners[tokenId] != address(0), "OAID: invalid token");
        _;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        // ERC-165 and ERC-721.
        return interfaceId == 0x01ffc9a7 || interfaceId == 0x80ac58cd;
    }

    function balanceOf(address holder) external view returns (uint256) {
        require(holder != address(0), "OAID: zero address");
        return _balances[holder];
    }

    function ownerOf(uint256 tokenId) external view exists(tokenId) returns (address) {
        return _owners[tokenId];
    }

    function getApproved(uint256 tokenId) external view exists(tokenId) returns (address) {
        return _tokenApprovals[tokenId];
    }

    function isApprovedForAll(address holder, address operator) external view returns (bool) {
        return _operatorApprovals[holder][operator];
    }

    function approve(address to, uint256 tokenId) external exists(tokenId) {
        address holder = _owners[tokenId];
        require(
            msg.sender == holder || _operatorApprovals[holder][msg.sender],
            "OAID: caller is not token owner or approved for all"
        );
        _tokenApprovals[tokenId] = to;
        emit Approval(holder, to, tokenId);
    }

    function setApprovalForAll(address operator, bool approved) external {
        require(operator != msg.sender, "OAID: approve to caller");
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 tokenId) external exists(tokenId) {
        address holder = _owners[tokenId];
        require(holder == from, "OAID: transfer from incorrect owner");
        require(to != address(0), "OAID: transfer to the zero address");
        require(
            msg.sender == holder || _tokenApprovals[tokenId] == msg.sender
                || _operatorApprovals[holder][msg.sender],
            "OAID: caller is not token owner or approved"
        );
        delete _tokenApprovals[tokenId];
        _balances[from] -= 1;
        _balances[to] += 1;
        _owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function mint(address to, uint256 creditLimit) external onlyOwner returns (uint256 tokenId) {
        require(to != address(0), "OAID: mint to the zero address");
        tokenId = ++totalSupply;
        _owners[tokenId] = to;
        _balances[to] += 1;
        _lines[tokenId] = CreditLine({limit: creditLimit, used: 0, active: true});
        emit Transfer(address(0), to, tokenId);
        emit CreditLineUpdated(tokenId, creditLimit, true);
    }

    function getCreditLine(uint256 tokenId)
        external
        view
        exists(tokenId)
        returns (uint256 limit, uint256 used, bool active)
    {
        CreditLine storage line = _lines[tokenId];
        return (line.limit, line.used, line.active);
    }

    function setCreditLineActive(uint256 tokenId, bool active) external onlyOwner exists(tokenId) {
        CreditLine storage line = _lines[tokenId];
        line.active = active;
        emit CreditLineUpdated(tokenId, line.limit, active);
    }

    /// A limit below what is already used is allowed: it only blocks further borrowing.
    function setCreditLimit(uint256 tokenId, uint256 limit) external onlyOwner exists(tokenId) {
        CreditLine storage line = _lines[tokenId];
        line.limit = limit;
        emit CreditLineUpdated(tokenId, limit, line.active);
    }

    function setVault(address newVault) external onlyOwner {
        vault = newVault;
        emit VaultSet(newVault);
    }

    function increaseUsed(uint256 tokenId, uint256 amount) external onlyVault exists(tokenId) {
        CreditLine storage line = _lines[tokenId];
        require(line.used + amount <= line.limit, "OAID: exceeds credit limit");
        line.used += amount;
        emit CreditUsedChanged(tokenId, line.used);
    }

    function decreaseUsed(uint256 tokenId, uint256 amount) external onlyVault exists(tokenId) {
        CreditLine storage line = _lines[tokenId];
        require(amount <= line.used, "OAID: decrease exceeds used");
        line.used -= amount;
        emit CreditUsedChanged(tokenId, line.used);
    }
}
