// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Owned.sol";
import "./IERC20.sol";

interface IOAID {
    function ownerOf(uint256 tokenId) external view returns (address);
    function getCreditLine(uint256 tokenId)
        external
        view
        returns (uint256 limit, uint256 used, bool active);
    function increaseUsed(uint256 tokenId, uint256 amount) external;
    function decreaseUsed(uint256 tokenId, uint256 amount) external;
}

interface ISeniorPool {
    function lend(address to, uint256 amount) external;
}

/// @notice Collateral positions backing OAID credit lines. This development vault
/// takes the collateral value as given and moves no collateral token; it enforces the
/// same borrow and repay rules as a production vault.
contract SolvencyVault is Owned {
    struct Position {
        address user;
        uint256 oaidTokenId;
        address collateralToken;
        uint256 collateralAmount;
        uint256 collateralValue;
        uint256 usdcBorrowed;
        bool active;
        uint8 tokenType;
    }

    uint8 public constant TOKEN_TYPE_RWA = 0;
    uint8 public constant TOKEN_TYPE_PRIVATE = 1;
    uint256 public constant RWA_LTV_BPS = 7000;
    uint256 public constant PRIVATE_LTV_BPS = 6000;
    uint256 private constant BPS = 10000;

    IOAID public immutable oaid;
    IERC20 public immutable usdc;
    address public immutable pool;

    uint256 public positionCount;
    mapping(uint256 => Position) private _positions;
    mapping(uint256 => uint256) public positionOf;
    mapping(address => mapping(address => bool)) private _operators;

    event PositionOpened(
        uint256 indexed positionId,
        address indexed user,
        uint256 indexed oaidTokenId,
        address collateralToken,
        uint256 collateralAmount,
        uint256 collateralValue,
        uint8 tokenType
    );
    event PositionActiveSet(uint256 indexed positionId, bool active);
    event OperatorSet(address indexed user, address indexed operator, bool approved);
    event Borrowed(uint256 indexed positionId, address indexed operator, uint256 amount);
    event Repaid(uint256 indexed positionId, address indexed payer, uint256 amount);
    event CollateralValueSet(uint256 indexed positionId, uint256 value);
    event Liquidated(uint256 indexed positionId, address indexed user, uint256 debtCleared);

    constructor(address oaidToken, address usdcToken, address seniorPool) {
        require(
            oaidToken != address(0) && usdcToken != address(0) && seniorPool != address(0),
            "Vault: zero address"
        );
        oaid = IOAID(oaidToken);
        usdc = IERC20(usdcToken);
        pool = seniorPool;
    }

    function ltvBps(uint8 tokenType) public pure returns (uint256) {
        require(tokenType <= TOKEN_TYPE_PRIVATE, "Vault: invalid token type");
        return tokenType == TOKEN_TYPE_RWA ? RWA_LTV_BPS : PRIVATE_LTV_BPS;
    }

    function openPosition(
        uint256 oaidTokenId,
        address collateralToken,
        uint256 collateralAmount,
        uint256 collateralValue,
        uint8 tokenType
    ) external returns (uint256 positionId) {
        require(oaid.ownerOf(oaidTokenId) == msg.sender, "Vault: not OAID owner");
        ltvBps(tokenType);
        require(collateralValue > 0, "Vault: zero collateral value");
        uint256 existing = positionOf[oaidTokenId];
        // One live position per OAID; a deactivated one may be replaced.
        require(existing == 0 || !_positions[existing].active, "Vault: position exists");

        positionId = ++positionCount;
        _positions[positionId] = Position({
            user: msg.sender,
            oaidTokenId: oaidTokenId,
            collateralToken: collateralToken,
            collateralAmount: collateralAmount,
            collateralValue: collateralValue,
            usdcBorrowed: 0,
            active: true,
            tokenType: tokenType
        });
        positionOf[oaidTokenId] = positionId;
        emit PositionOpened(
            positionId,
            msg.sender,
            oaidTokenId,
            collateralToken,
            collateralAmount,
            collateralValue,
            tokenType
        );
    }

    function getPosition(uint256 positionId)
        external
        view
        returns (
            address user,
            uint256 oaidTokenId,
            address collateralToken,
            uint256 collateralAmount,
            uint256 collateralValue,
            uint256 usdcBorrowed,
            uint256 healthFactor,
            bool active,
            uint8 tokenType
        )
    {
        Position storage p = _existing(positionId);
        return (
            p.user,
            p.oaidTokenId,
            p.collateralToken,
            p.collateralAmount,
            p.collateralValue,
            p.usdcBorrowed,
            _healthFactor(p),
            p.active,
            p.tokenType
        );
    }

    /// The most USDC the position's collateral allows in total (borrowed included).
    function maxBorrow(uint256 positionId) public view returns (uint256) {
        Position storage p = _existing(positionId);
        return p.collateralValue * ltvBps(p.tokenType) / BPS;
    }

    function setOperator(address operator, bool approved) external {
        require(operator != address(0), "Vault: zero operator");
        _operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    function isOperator(address user, address operator) external view returns (bool) {
        return _operators[user][operator];
    }

    function setPositionActive(uint256 positionId, bool active) external onlyOwner {
        _existing(positionId).active = active;
        emit PositionActiveSet(positionId, active);
    }

    function borrowUSDC(uint256 positionId, uint256 amount) external {
        Position storage p = _authorized(positionId);
        require(p.active, "Vault: position inactive");
        require(amount > 0, "Vault: zero amount");
        (uint256 limit, uint256 used, bool lineActive) = oaid.getCreditLine(p.oaidTokenId);
        require(lineActive, "Vault: credit line inactive");
        require(used <= limit && limit - used >= amount, "Vault: insufficient credit");
        require(p.usdcBorrowed + amount <= maxBorrow(positionId), "Vault: exceeds LTV");

        p.usdcBorrowed += amount;
        oaid.increaseUsed(p.oaidTokenId, amount);
        ISeniorPool(pool).lend(msg.sender, amount);
        emit Borrowed(positionId, msg.sender, amount);
    }

    function repayLoan(uint256 positionId, uint256 amount) external {
        Position storage p = _authorized(positionId);
        require(amount > 0, "Vault: zero amount");
        require(amount <= p.usdcBorrowed, "Vault: repay exceeds debt");

        p.usdcBorrowed -= amount;
        require(usdc.transferFrom(msg.sender, pool, amount), "Vault: USDC transfer failed");
        oaid.decreaseUsed(p.oaidTokenId, amount);
        emit Repaid(positionId, msg.sender, amount);
    }

    /// A price move: the owner restates what the position's collateral is worth.
    function setCollateralValue(uint256 positionId, uint256 value) external onlyOwner {
        require(value > 0, "Vault: zero collateral value");
        _existing(positionId).collateralValue = value;
        emit CollateralValueSet(positionId, value);
    }

    /// Anyone may liquidate a position whose debt passed its LTV cap (health factor
    /// below 1e18). This development vault seizes no collateral: it clears the debt,
    /// frees the credit line and closes the position.
    function liquidate(uint256 positionId) external {
        Position storage p = _existing(positionId);
        uint256 debt = p.usdcBorrowed;
        require(debt > maxBorrow(positionId), "Vault: position healthy");
        p.usdcBorrowed = 0;
        p.active = false;
        oaid.decreaseUsed(p.oaidTokenId, debt);
        emit Liquidated(positionId, p.user, debt);
    }

    function _existing(uint256 positionId) private view returns (Position storage p) {
        p = _positions[positionId];
        require(p.user != address(0), "Vault: invalid position");
    }

    function _authorized(uint256 positionId) private view returns (Position storage p) {
        p = _existing(positionId);
        require(
            msg.sender == p.user || _operators[p.user][msg.sender], "Vault: not authorized"
        );
    }

    function _healthFactor(Position storage p) private view returns (uint256) {
        if (p.usdcBorrowed == 0) {
            return type(uint256).max;
        }
        return p.collateralValue * ltvBps(p.tokenType) / BPS * 1e18 / p.usdcBorrowed;
    }
}
