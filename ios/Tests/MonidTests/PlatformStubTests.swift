#if canImport(CoreNFC) && os(Linux)
import CoreNFC
import CryptoKit
import Dispatch
import Foundation
import Security
import XCTest
@testable import Monid

/// A fake `NFCISO7816Tag` (against the Linux stub of CoreNFC) that forwards to the virtual card
/// and calls its completion handler on another queue, as CoreNFC does.
final class FakeISO7816Tag: NSObject, NFCISO7816Tag, @unchecked Sendable {
    private let card: VirtualCard
    private let queue = DispatchQueue(label: "fake.corenfc")
    private let lock = NSLock()
    private var sent = 0
    /// Fails the command with this index (0-based) with the given CoreNFC error.
    var failAt: (Int, NFCReaderError.Code)?
    /// Never answers the command with this index.
    var hangAt: Int?

    init(_ card: VirtualCard) { self.card = card }

    var isAvailable: Bool { true }
    var identifier: Data { Data([1, 2, 3, 4]) }
    var initialSelectedAID: String { "A0000002471001" }
    var commands: Int { lock.lock(); defer { lock.unlock() }; return sent }

    func sendCommand(apdu: NFCISO7816APDU, completionHandler: @escaping (Data, UInt8, UInt8, (any Error)?) -> Void) {
        lock.lock()
        let i = sent
        sent += 1
        lock.unlock()
        let bytes = apdu.stubEncoded
        let card = self.card
        let fail = failAt
        if hangAt == i { return }
        let handler = UncheckedHandler(completionHandler)
        queue.async {
            if let (at, code) = fail, at == i {
                handler.call(Data(), 0, 0, NFCReaderError(code))
                return
            }
            do {
                let r = try card.process(apdu: bytes)
                handler.call(r.dropLast(2), r[r.count - 2], r[r.count - 1], nil)
            } catch {
                handler.call(Data(), 0, 0, NFCReaderError(.readerTransceiveErrorTagConnectionLost))
            }
        }
    }
}

/// Carries CoreNFC's (non-Sendable) completion handler to the fake's queue.
struct UncheckedHandler: @unchecked Sendable {
    let call: (Data, UInt8, UInt8, (any Error)?) -> Void
    init(_ f: @escaping (Data, UInt8, UInt8, (any Error)?) -> Void) { call = f }
}

/// The platform classes on Linux, against the stubs: the logic that does not need a device
/// (the semaphore bridge, error mapping, resumption over a fresh CoreNFC transport). The
/// NFCTagReaderSession part and the real Secure Enclave are not exercised (no device here).
final class PlatformStubTests: XCTestCase {
    func testCoreNFCTransportReadsTheVirtualCnieThroughAFakeTag() async throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let doc = try await reader.read(transport: CoreNFCTransport(tag: tag, info: card.info()))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
        XCTAssertEqual(doc.stats().apdus, UInt64(tag.commands))
    }

    func testConnectionLostInCoreNFCResumesOverANewTransport() async throws {
        let card = VirtualCard.cnie()
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let first = FakeISO7816Tag(card)
        first.failAt = (20, .readerTransceiveErrorSessionInvalidated)  // iOS ended the session
        do {
            _ = try await reader.read(transport: CoreNFCTransport(tag: first))
            XCTFail("expected tag lost")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .tagLost, "\(e)")
        }
        card.reconnect()
        let second = FakeISO7816Tag(card)
        let doc = try await reader.read(transport: CoreNFCTransport(tag: second))
        XCTAssertEqual(doc.stats().calls, 2)
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
    }

    func testUserCancelInCoreNFCIsCancelled() async throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        tag.failAt = (5, .readerSessionInvalidationErrorUserCanceled)
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        do {
            _ = try await reader.read(transport: CoreNFCTransport(tag: tag))
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .cancelled, "\(e)")
        }
    }

    func testACommandWithoutAnswerTimesOut() throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        tag.hangAt = 0
        let t = CoreNFCTransport(tag: tag, commandTimeout: 0.2)
        XCTAssertThrowsError(try t.transceive(apdu: Data([0x00, 0xA4, 0x04, 0x0C]))) { e in
            XCTAssertEqual(e as? TransportError, .Timeout)
        }
        XCTAssertThrowsError(try t.transceive(apdu: Data([0x00]))) { e in
            guard case TransportError.Io = e else { return XCTFail("\(e)") }
        }
    }

    func testCoreNFCErrorMapping() {
        XCTAssertEqual(CoreNFCTransport.map(NFCReaderError(.readerTransceiveErrorTagConnectionLost)), .TagLost)
        XCTAssertEqual(CoreNFCTransport.map(NFCReaderError(.readerSessionInvalidationErrorSessionTimeout)), .TagLost)
        XCTAssertEqual(CoreNFCTransport.map(NFCReaderError(.readerSessionInvalidationErrorUserCanceled)), .Cancelled)
        XCTAssertEqual(CoreNFCTransport.map(NFCReaderError(.readerTransceiveErrorRetryExceeded)), .Timeout)
        XCTAssertEqual(CoreNFCTransport.map(NFCReaderError(.readerTransceiveErrorPacketTooLong)), .Io(reason: "CoreNFC error 105"))
        XCTAssertEqual(CoreNFCTransport.map(TransportBug()), .Io(reason: "CoreNFC failure (TransportBug)"))
    }

    func testSecureEnclaveStoreWithoutASecureEnclave() {
        let store = SecureEnclaveKeyStore(service: "test.no-enclave")
        let options = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: true)
        XCTAssertThrowsError(try store.generate(alias: "a", options: options)) { e in
            XCTAssertEqual(e as? DeviceKeyError, .HardwareUnavailable)
        }
        XCTAssertThrowsError(try store.publicKey(alias: "a")) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        XCTAssertThrowsError(try store.sign(alias: "a", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        XCTAssertThrowsError(try store.delete(alias: "a")) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        let la = { (code: Int) in NSError(domain: "com.apple.LocalAuthentication", code: code) }
        XCTAssertEqual(SecureEnclaveKeyStore.map(la(-2)), .UserCancelled)
        XCTAssertEqual(SecureEnclaveKeyStore.map(la(-1)), .AuthenticationFailed)
        XCTAssertEqual(SecureEnclaveKeyStore.map(NSError(domain: "x", code: 7)), .Platform(reason: "Secure Enclave failure (x 7)"))
        XCTAssertEqual(SecureEnclaveKeyStore.map(DeviceKeyError.KeyInvalidated), .KeyInvalidated)
    }

    /// A key blob in the keychain that the Secure Enclave no longer unwraps (the stub's enclave
    /// unwraps nothing), as after a change of the enrolled faces / fingers with
    /// `.biometryCurrentSet`: every use is `KeyInvalidated`, up to the receipt.
    func testAnInvalidatedSecureEnclaveKeyIsKeyInvalidatedUpToTheReceipt() async throws {
        let service = "test.invalidated.\(UUID().uuidString)"
        let store = SecureEnclaveKeyStore(service: service)
        let added = SecItemAdd([
            kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service,
            kSecAttrAccount as String: "device", kSecValueData as String: Data(repeating: 7, count: 96),
        ] as CFDictionary, nil)
        XCTAssertEqual(added, errSecSuccess)
        XCTAssertThrowsError(try store.publicKey(alias: "device")) { XCTAssertEqual($0 as? DeviceKeyError, .KeyInvalidated) }
        XCTAssertThrowsError(try store.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .KeyInvalidated) }
        XCTAssertThrowsError(try store.attestation(alias: "device", challenge: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .KeyInvalidated) }
        // The alias is taken until the app deletes it (checked before the enclave is asked).
        let options = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: true)
        XCTAssertThrowsError(try store.generate(alias: "device", options: options)) { XCTAssertEqual($0 as? DeviceKeyError, .AlreadyExists) }

        // Handed to Rust as the generated protocol: the receipt fails with KeyInvalidated.
        let (_, scanned, _, doc, t) = try await ReceiptTests.prepared()
        let face = ReceiptTests.face(900)
        XCTAssertThrowsError(try createReceipt(
            challenge: scanned, document: doc, faceMatch: face, liveCapture: Data([1]), enrolment: nil,
            keyStore: store, alias: "device", nowUnixSeconds: t, cancel: nil)) { e in
            XCTAssertEqual(e as? ReceiptError, .KeyInvalidated)
        }
        do {
            _ = try await MonidReceipts.create(
                challenge: scanned, document: doc, faceMatch: face, liveCapture: Data([1]),
                keyStore: store, alias: "device", nowUnixSeconds: t)
            XCTFail("expected keyInvalidated")
        } catch let e as ReceiptFailure {
            XCTAssertEqual(e, .keyInvalidated)
            XCTAssertTrue(e.needsEnrolment)
        }

        // The app deletes the dead key; then the alias is free and unknown.
        try store.delete(alias: "device")
        XCTAssertThrowsError(try store.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        XCTAssertThrowsError(try store.delete(alias: "device")) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        XCTAssertThrowsError(try createReceipt(
            challenge: scanned, document: doc, faceMatch: face, liveCapture: Data([1]), enrolment: nil,
            keyStore: store, alias: "device", nowUnixSeconds: t, cancel: nil)) { e in
            guard case ReceiptError.KeyStore(let reason) = e else { return XCTFail("\(e)") }
            XCTAssertFalse(reason.contains("unexpectedly"), "a declared error, mapped: \(reason)")
        }
        // Without a Secure Enclave a new key is refused, never made in software.
        XCTAssertThrowsError(try store.generate(alias: "device", options: options)) { XCTAssertEqual($0 as? DeviceKeyError, .HardwareUnavailable) }
    }

    func testSecureEnclaveErrorMapping() {
        let la = { (code: Int) in NSError(domain: "com.apple.LocalAuthentication", code: code) }
        let ctk = { (code: Int) in NSError(domain: "CryptoTokenKit", code: code) }
        let os = { (status: OSStatus) in NSError(domain: NSOSStatusErrorDomain, code: Int(status)) }
        let table: [(NSError, DeviceKeyError)] = [
            (la(-2), .UserCancelled), (la(-3), .UserCancelled), (la(-4), .UserCancelled), (la(-9), .UserCancelled),
            (la(-10), .Cancelled),
            (la(-1), .AuthenticationFailed), (la(-5), .AuthenticationFailed), (la(-7), .AuthenticationFailed),
            (la(-8), .AuthenticationFailed), (la(-1004), .AuthenticationFailed),
            (la(-6), .HardwareUnavailable),
            (ctk(-4), .UserCancelled), (ctk(-5), .AuthenticationFailed), (ctk(-9), .AuthenticationFailed),
            (ctk(-6), .KeyInvalidated),
            (os(errSecUserCanceled), .UserCancelled), (os(errSecAuthFailed), .AuthenticationFailed),
            (os(errSecItemNotFound), .KeyInvalidated), (os(errSecNotAvailable), .HardwareUnavailable),
            (la(-99), .Platform(reason: "Secure Enclave failure (com.apple.LocalAuthentication -99)")),
        ]
        for (error, expected) in table {
            XCTAssertEqual(SecureEnclaveKeyStore.map(error), expected, "\(error.domain) \(error.code)")
        }
        // Declared errors pass through; a CryptoKit error becomes Platform with its code only.
        for declared: DeviceKeyError in [.KeyInvalidated, .NotFound, .Corrupted(reason: "x")] {
            XCTAssertEqual(SecureEnclaveKeyStore.map(declared), declared)
        }
        guard case .Platform(let reason) = SecureEnclaveKeyStore.map(CryptoKitError.underlyingCoreCryptoError(error: -7)) else {
            return XCTFail("not Platform")
        }
        XCTAssertTrue(reason.hasPrefix("Secure Enclave failure ("), reason)
    }
}
#endif
