import Foundation
import XCTest
@testable import Monid

/// Pending challenges in a store written in Swift (what a server's shared store would be).
final class SwiftChallengeStore: ChallengeStore, @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [Data: PendingChallenge] = [:]
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var count: Int { locked { pending.count } }

    func insert(nonce: Data, pending p: PendingChallenge) throws {
        try locked {
            if pending[nonce] != nil { throw StoreError.Duplicate }
            pending[nonce] = p
        }
    }
    func get(nonce: Data) throws -> PendingChallenge? { locked { pending[nonce] } }
    func remove(nonce: Data) throws -> Bool { locked { pending.removeValue(forKey: nonce) != nil } }
    func purgeExpired(now: UInt64) throws -> UInt64 {
        locked {
            let before = pending.count
            pending = pending.filter { $0.value.expiresAt >= now }
            return UInt64(before - pending.count)
        }
    }
}

/// Used nonces in a store written in Swift; `broken` makes `consume` throw an undeclared error.
final class SwiftNonceStore: NonceStore, @unchecked Sendable {
    private let lock = NSLock()
    private var used: Set<Data> = []
    private var isBroken = false
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var usedCount: Int { locked { used.count } }
    func setBroken(_ b: Bool) { locked { isBroken = b } }

    func consume(nonce: Data, keepUntil: UInt64) throws -> Bool {
        try locked {
            if isBroken { throw StoreBug() }
            return used.insert(nonce).inserted
        }
    }
    func purgeExpired(now: UInt64) throws -> UInt64 { 0 }
}

struct StoreBug: Error, CustomStringConvertible {
    var description: String { "StoreBug(connection reset)" }
}

/// Two verifier instances sharing Swift stores: a receipt for a challenge one issued verifies on
/// the other exactly once; an undeclared store failure refuses it with reason `.store` and keeps
/// its nonce for a retry.
final class SharedStoresTests: XCTestCase {
    func testTwoInstancesAnswerEachChallengeOnceAndAFailingStoreKeepsTheNonce() async throws {
        let t = ReceiptTests.now()
        let challenges = SwiftChallengeStore()
        let nonces = SwiftNonceStore()
        func instance() throws -> Verifier {
            let rp = testRelyingParty()
            let csca = TrustStore()
            _ = csca.addPemBundle(pem: virtualCardTrustAnchorsPem())
            return try Verifier.withStores(
                config: VerifierConfig(
                    signingKey: RpSigningKey.fromPem(pem: rp.signingKeyPem), certificateChainPem: rp.certificateChainPem,
                    compact: false, csca: csca, attestationRootsPem: "", policy: defaultPolicy(),
                    capacity: 16),
                challenges: challenges, nonces: nonces)
        }
        let a = try instance()
        let b = try instance()
        let (_, scanned) = try ReceiptTests.scanned(a, [(.names, .chipVerifiable)], t)
        XCTAssertEqual(challenges.count, 1)
        let keys = SwiftKeyStore()
        let pk = try keys.generate(alias: "device", options: ReceiptTests.softwareKey)
        let doc = try await ReceiptTests.read(for: scanned, devicePublicKey: pk)
        let receipt = try await MonidReceipts.create(
            challenge: scanned, document: doc, faceMatch: ReceiptTests.face(910),
            liveCapture: Data([1, 2, 3]), keyStore: keys, alias: "device", nowUnixSeconds: t)

        nonces.setBroken(true)
        XCTAssertThrowsError(try b.verify(envelope: receipt.envelope, nowUnixSeconds: t)) { e in
            guard case Rejected.Receipt(let reason, let detail) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(reason, .store)
            XCTAssertTrue(detail.contains("unexpectedly"), detail)
        }
        XCTAssertEqual(nonces.usedCount, 0, "the nonce was not consumed")
        nonces.setBroken(false)

        let ok = try b.verify(envelope: receipt.envelope, nowUnixSeconds: t)
        XCTAssertEqual(ok.claims.first?.claim(), .names)
        XCTAssertThrowsError(try a.verify(envelope: receipt.envelope, nowUnixSeconds: t)) { e in
            guard case Rejected.Receipt(let reason, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(reason, .replayed)
        }
    }
}
