// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Owned.sol";
import "./IERC20.sol";

/// @notice Holds the USDC that the vault lends out. Repayments come back as plain
/// transfers to this contract, so `available()` is simply the pool's balance.
contract SeniorPool is Owned {
    IERC20 public immutable usdc;
    address public vault;

    event VaultSet(address indexed vault);
    event Lent(address indexed to, uint256 amount);

    constructor(address usdcToken) {
        require(usdcToken != address(0), "Pool: zero USDC address");
        usdc = IERC20(usdcToken);
    }

    function setVault(address newVault) external onlyOwner {
        vault = newVault;
        emit VaultSet(newVault);
    }

    function available() public view returns (uint256) {
        return usdc.balanceOf(address(this));
    }

    function lend(address to, uint256 amount) external {
        require(msg.sender == vault, "Pool: caller is not the vault");
        require(available() >= amount, "Pool: insufficient liquidity");
        require(usdc.transfer(to, amount), "Pool: transfer failed");
        emit Lent(to, amount);
    }
}
