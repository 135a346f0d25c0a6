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
    private var refused = 0
    /// Fails the command with this index (0-based) with the given CoreNFC error.
    var failAt: (Int, NFCReaderError.Code)?
    /// Never answers the command with this index.
    var hangAt: Int?
    /// What `isAvailable` answers.
    var available = true
    /// When set, the AIDs the app declared: a plain SELECT by name of any other fails with
    /// `readerErrorSecurityViolation`, as iOS does ("Missing required entitlement").
    var declaredAids: Set<Data>?
    /// When set, served as EF.DIR (plain READ BINARY with SFI 1E) instead of the card's.
    var efDir: Data?

    init(_ card: VirtualCard) { self.card = card }

    var isAvailable: Bool { available }
    var identifier: Data { Data([1, 2, 3, 4]) }
    var initialSelectedAID: String { "A0000002471001" }
    var commands: Int { lock.lock(); defer { lock.unlock() }; return sent }
    /// SELECTs refused for an undeclared AID.
    var refusedSelects: Int { lock.lock(); defer { lock.unlock() }; return refused }

    func sendCommand(apdu: NFCISO7816APDU, completionHandler: @escaping (Data, UInt8, UInt8, (any Error)?) -> Void) {
        let bytes = apdu.stubEncoded
        let handler = UncheckedHandler(completionHandler)
        // Plain SELECTs only: the data of one under secure messaging is not the AID.
        if let declared = declaredAids, bytes.count > 5, bytes[0] == 0x00, bytes[1] == 0xA4, bytes[2] == 0x04,
           !declared.contains(Data(bytes.dropFirst(5).prefix(Int(bytes[4])))) {
            lock.lock(); refused += 1; lock.unlock()
            queue.async { handler.call(Data(), 0, 0, NFCReaderError(.readerErrorSecurityViolation)) }
            return
        }
        if let dir = efDir, bytes.count >= 5, bytes[0] == 0x00, bytes[1] == 0xB0, bytes[2] == 0x9E {
            let offset = Int(bytes[3])
            let le = bytes.count == 5 ? (bytes[4] == 0 ? 256 : Int(bytes[4]))
                : (bytes.count == 7 ? (Int(bytes[5]) << 8 | Int(bytes[6])) : 256)
            let chunk = dir.dropFirst(offset).prefix(le == 0 ? 65536 : le)
            queue.async { handler.call(Data(chunk), 0x90, 0x00, nil) }
            return
        }
        lock.lock()
        let i = sent
        sent += 1
        lock.unlock()
        let card = self.card
        let fail = failAt
        if hangAt == i { return }
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
/// (the semaphore bridge, error mapping, resumption over a fresh CoreNFC transport, refused
/// SELECTs, the key store's keychain logic and error classification). The reader sessions are
/// in CoreNFCSessionTests; the real NFC hardware and Secure Enclave are not exercised.
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
        let map = { (code: NFCReaderError.Code, end: NFCReaderError.Code?) in
            CoreNFCTransport.map(NFCReaderError(code), sessionEnd: end)
        }
        XCTAssertEqual(map(.readerTransceiveErrorTagConnectionLost, nil), .TagLost)
        XCTAssertEqual(map(.readerTransceiveErrorRetryExceeded, nil), .Timeout)
        XCTAssertEqual(map(.readerTransceiveErrorPacketTooLong, nil), .Io(reason: "CoreNFC error packet too long (105)"))
        XCTAssertEqual(map(.readerErrorSecurityViolation, nil), .Io(reason: "CoreNFC error security violation (missing entitlement?) (2)"))
        XCTAssertEqual(CoreNFCTransport.map(TransportBug()), .Io(reason: "CoreNFC failure (TransportBug)"))
        // The session is gone: why it ended decides (unknown yet: resumable).
        for gone: NFCReaderError.Code in [.readerTransceiveErrorSessionInvalidated, .readerTransceiveErrorTagNotConnected] {
            XCTAssertEqual(map(gone, nil), .TagLost)
            XCTAssertEqual(map(gone, .readerSessionInvalidationErrorSessionTimeout), .TagLost)
            XCTAssertEqual(map(gone, .readerSessionInvalidationErrorUserCanceled), .Cancelled)
            XCTAssertEqual(map(gone, .readerSessionInvalidationErrorSystemIsBusy), .Io(reason: "the NFC session ended: system busy (203)"))
            XCTAssertEqual(map(gone, .readerSessionInvalidationErrorSessionTerminatedUnexpectedly),
                           .Io(reason: "the NFC session ended: session terminated unexpectedly (202)"))
        }
        XCTAssertEqual(map(.readerSessionInvalidationErrorUserCanceled, nil), .Cancelled)
        XCTAssertEqual(map(.readerSessionInvalidationErrorSessionTimeout, nil), .TagLost)
        XCTAssertEqual(map(.readerSessionInvalidationErrorFirstNDEFTagRead, nil), .Io(reason: "the NFC session ended: first NDEF tag read (204)"))
    }

    /// The reason the app's delegate hands to the transport decides what a dead link is.
    func testCoreNFCTransportMapsAnEndedSessionByItsReason() throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        tag.available = false
        let t = CoreNFCTransport(tag: tag)
        XCTAssertNil(t.lastFailure)
        XCTAssertThrowsError(try t.transceive(apdu: Data([0x00, 0xA4, 0x00, 0x0C]))) { XCTAssertEqual($0 as? TransportError, .TagLost) }
        XCTAssertEqual(t.lastFailure, .readerTransceiveErrorTagNotConnected)
        t.sessionDidInvalidate(with: NFCReaderError(.readerSessionInvalidationErrorUserCanceled))
        XCTAssertThrowsError(try t.transceive(apdu: Data([0x00, 0xA4, 0x00, 0x0C]))) { XCTAssertEqual($0 as? TransportError, .Cancelled) }
        // The first reason wins.
        t.sessionDidInvalidate(with: NFCReaderError(.readerSessionInvalidationErrorSessionTimeout))
        XCTAssertThrowsError(try t.transceive(apdu: Data([0x00, 0xA4, 0x00, 0x0C]))) { XCTAssertEqual($0 as? TransportError, .Cancelled) }

        let busyTag = FakeISO7816Tag(card)
        busyTag.failAt = (0, .readerTransceiveErrorSessionInvalidated)
        let busy = CoreNFCTransport(tag: busyTag)
        busy.sessionDidInvalidate(with: NFCReaderError(.readerSessionInvalidationErrorSystemIsBusy))
        XCTAssertThrowsError(try busy.transceive(apdu: Data([0x00, 0xA4, 0x00, 0x0C]))) {
            XCTAssertEqual($0 as? TransportError, .Io(reason: "the NFC session ended: system busy (203)"))
        }
        XCTAssertEqual(busy.lastFailure, .readerTransceiveErrorSessionInvalidated)
    }

    /// iOS refuses a SELECT of an AID the app did not declare (NFCError 2, "Missing required
    /// entitlement"): the transport answers 6A82 so that the core goes on; other commands
    /// refused so are an I/O error.
    func testASelectOfAnUndeclaredAidIsAnsweredNotFound() throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        tag.declaredAids = [Data([0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01])]
        let t = CoreNFCTransport(tag: tag)
        let lds2 = Data([0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01])
        XCTAssertEqual(try t.transceive(apdu: lds2), Data([0x6A, 0x82]))
        XCTAssertEqual(tag.refusedSelects, 1)
        XCTAssertNil(t.lastFailure, "a refused SELECT is an answer, not a link failure")
        XCTAssertTrue(CoreNFCTransport.isSelectByName(lds2))
        XCTAssertFalse(CoreNFCTransport.isSelectByName(Data([0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E])))
        XCTAssertFalse(CoreNFCTransport.isSelectByName(Data([0x00, 0xB0, 0x04, 0x00])))

        let other = FakeISO7816Tag(card)
        other.failAt = (0, .readerErrorSecurityViolation)
        XCTAssertThrowsError(try CoreNFCTransport(tag: other).transceive(apdu: Data([0x00, 0xB0, 0x9E, 0x00, 0x00]))) { e in
            guard case TransportError.Io = e else { return XCTFail("\(e)") }
        }
    }

    /// A card whose EF.DIR lists applications the app did not declare (LDS2 travel records,
    /// the eID application): the core SELECTs each, iOS refuses both, and the read still
    /// completes (without the 6A82 answer it would end as a lost tag).
    func testACardListingUndeclaredApplicationsIsReadThroughCoreNFC() async throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        let emrtd = Data([0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01])
        tag.declaredAids = [emrtd]
        let app = { (aid: Data) -> Data in
            let inner = Data([0x4F, UInt8(aid.count)]) + aid
            return Data([0x61, UInt8(inner.count)]) + inner
        }
        tag.efDir = app(emrtd) + app(Data([0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01]))
            + app(Data([0xE8, 0x07, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x02]))
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let doc = try await reader.read(transport: CoreNFCTransport(tag: tag, info: card.info()))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
        XCTAssertEqual(tag.refusedSelects, 2, "the core selected both undeclared applications")
        XCTAssertEqual(doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now).verdict, .valid)
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
