import Foundation

/// A bank account with a running balance.
struct Account {
    let owner: String
    private(set) var balance: Double = 0

    mutating func deposit(_ amount: Double) {
        guard amount > 0 else { return }
        balance += amount
    }
}

enum TransferError: Error {
    case insufficientFunds(needed: Double)
}

func transfer(_ amount: Double, from: inout Account, to: inout Account) throws {
    if from.balance < amount {
        throw TransferError.insufficientFunds(needed: amount - from.balance)
    }
    from.deposit(-amount)
    to.deposit(amount)
}

var alice = Account(owner: "Alice")
var bob = Account(owner: "Bob")
alice.deposit(100)
do {
    try transfer(250, from: &alice, to: &bob)
} catch TransferError.insufficientFunds(let needed) {
    print("short by \(needed)")
}
