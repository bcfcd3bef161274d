// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC20.sol";

/// @title A simple time-locked savings vault.
contract Vault {
    struct Deposit {
        uint256 amount;
        uint256 unlockAt;
    }

    mapping(address => Deposit) private deposits;
    uint256 public constant LOCK_TIME = 7 days;

    event Deposited(address indexed owner, uint256 amount);
    error StillLocked(uint256 unlockAt);

    function deposit() external payable {
        require(msg.value > 0, "nothing to deposit");
        Deposit storage d = deposits[msg.sender];
        d.amount += msg.value;
        d.unlockAt = block.timestamp + LOCK_TIME;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw() external {
        Deposit memory d = deposits[msg.sender];
        if (block.timestamp < d.unlockAt) {
            revert StillLocked(d.unlockAt);
        }
        delete deposits[msg.sender];
        payable(msg.sender).transfer(d.amount);
    }
}
