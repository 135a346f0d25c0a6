#if canImport(CoreNFC) && os(Linux)
import CoreNFC
import CryptoKit
import Dispatch
import Foundation
import LocalAuthentication
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
    override func tearDown() {
        StubSecureEnclave.behaviour = .init()
        StubLocalAuthentication.state = .init()
        super.tearDown()
    }

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

    /// `lastFailure` is the last command's: a failure the core absorbs is cleared by the next
    /// exchange (answered, or timed out), so a read failing later is not blamed on it.
    func testEachCommandClearsTheLastFailure() throws {
        let card = VirtualCard.cnie()
        let tag = FakeISO7816Tag(card)
        tag.failAt = (0, .readerTransceiveErrorPacketTooLong)
        tag.hangAt = 3
        let t = CoreNFCTransport(tag: tag, commandTimeout: 0.2)
        let select = Data([0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01])
        XCTAssertThrowsError(try t.transceive(apdu: select)) {
            XCTAssertEqual($0 as? TransportError, .Io(reason: "CoreNFC error packet too long (105)"))
        }
        XCTAssertEqual(t.lastFailure, .readerTransceiveErrorPacketTooLong)
        XCTAssertEqual(try t.transceive(apdu: select), Data([0x90, 0x00]))
        XCTAssertNil(t.lastFailure, "an answered command clears it")

        tag.failAt = (2, .readerTransceiveErrorTagConnectionLost)
        XCTAssertThrowsError(try t.transceive(apdu: select)) { XCTAssertEqual($0 as? TransportError, .TagLost) }
        XCTAssertEqual(t.lastFailure, .readerTransceiveErrorTagConnectionLost)
        XCTAssertThrowsError(try t.transceive(apdu: select)) { XCTAssertEqual($0 as? TransportError, .Timeout) }
        XCTAssertNil(t.lastFailure, "a command without answer is the transport's timeout, not a CoreNFC failure")
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

    // MARK: Secure Enclave key store

    /// Puts a key blob under `alias` (as `generate` would on a device) and, if given, the
    /// biometric state recorded with it.
    func plantKey(_ store: SecureEnclaveKeyStore, _ alias: String, biometryState: Data?) {
        let add = { (service: String, value: Data) in
            XCTAssertEqual(SecItemAdd([
                kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service,
                kSecAttrAccount as String: alias, kSecValueData as String: value,
            ] as CFDictionary, nil), errSecSuccess)
        }
        add(store.service, Data(repeating: 7, count: 96))
        if let biometryState { add(store.biometryStateService, biometryState) }
    }

    func enclave(throws failure: any Error, biometry: Data?, passcode: Bool = true, available: Bool = false) {
        StubSecureEnclave.behaviour = .init(isAvailable: available, failure: failure)
        StubLocalAuthentication.state = .init(biometryStateHash: biometry, passcodeSet: passcode)
    }

    /// A key made under one set of enrolled faces / fingers that the enclave refuses after the
    /// set changed: every use is `KeyInvalidated`, up to the receipt; the app deletes it.
    func testAKeyRefusedAfterTheBiometryChangedIsKeyInvalidatedUpToTheReceipt() async throws {
        let service = "test.invalidated.\(UUID().uuidString)"
        let store = SecureEnclaveKeyStore(service: service)
        plantKey(store, "device", biometryState: Data("faces-1".utf8))
        enclave(throws: CryptoKitError.underlyingCoreCryptoError(error: -1), biometry: Data("faces-2".utf8))
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

        // The app deletes the dead key (and its recorded state); then the alias is free.
        try store.delete(alias: "device")
        XCTAssertThrowsError(try store.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        XCTAssertThrowsError(try store.delete(alias: "device")) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        XCTAssertFalse(store.biometryChanged(since: "device"))
        XCTAssertThrowsError(try createReceipt(
            challenge: scanned, document: doc, faceMatch: face, liveCapture: Data([1]), enrolment: nil,
            keyStore: store, alias: "device", nowUnixSeconds: t, cancel: nil)) { e in
            guard case ReceiptError.KeyStore(let reason) = e else { return XCTFail("\(e)") }
            XCTAssertFalse(reason.contains("unexpectedly"), "a declared error, mapped: \(reason)")
        }
        // Without a Secure Enclave a new key is refused, never made in software.
        XCTAssertThrowsError(try store.generate(alias: "device", options: options)) { XCTAssertEqual($0 as? DeviceKeyError, .HardwareUnavailable) }
    }

    /// A failure that does not say the key is gone is NOT `KeyInvalidated` (which makes the
    /// app delete the key and enrol again): cancels, no UI, lockout, a busy enclave and unknown
    /// errors keep their own case; the key-gone codes are `KeyInvalidated` whatever the biometry.
    func testTransientSecureEnclaveFailuresAreNotKeyInvalidated() {
        let store = SecureEnclaveKeyStore(service: "test.transient.\(UUID().uuidString)")
        plantKey(store, "device", biometryState: Data("faces-1".utf8))
        let la = { (code: Int) in NSError(domain: "com.apple.LocalAuthentication", code: code) }
        let ctk = { (code: Int) in NSError(domain: "CryptoTokenKit", code: code) }
        let os = { (status: OSStatus) in NSError(domain: NSOSStatusErrorDomain, code: Int(status)) }
        let same = Data("faces-1".utf8), changed = Data("faces-2".utf8)
        let cases: [(any Error, Data?, DeviceKeyError)] = [
            // Biometry unchanged: never an invalidation.
            (CryptoKitError.underlyingCoreCryptoError(error: -1), same, .Platform(reason: "Secure Enclave failure (CryptoKit.CryptoKitError 0)")),
            (ctk(-2), same, .Platform(reason: "Secure Enclave busy or unreachable (CryptoTokenKit -2); try again")),
            (ctk(-3), same, .Platform(reason: "Secure Enclave failure (CryptoTokenKit -3)")),
            (la(-1), same, .AuthenticationFailed),
            // Biometry unknown right now (locked out, none enrolled): never an invalidation.
            (la(-8), nil, .AuthenticationFailed),
            (ctk(-3), nil, .Platform(reason: "Secure Enclave failure (CryptoTokenKit -3)")),
            // Even with the biometry changed: a cancel or "no UI now" keeps its case.
            (la(-2), changed, .UserCancelled),
            (la(-4), changed, .UserCancelled),
            (la(-10), changed, .Cancelled),
            (ctk(-4), changed, .UserCancelled),
            (os(errSecUserCanceled), changed, .UserCancelled),
            (la(-1004), changed, .AuthenticationFailed),
            (os(errSecInteractionNotAllowed), changed, .AuthenticationFailed),
            // The key object is gone: invalidated whatever the biometry says.
            (ctk(-6), same, .KeyInvalidated),
            (os(errSecItemNotFound), nil, .KeyInvalidated),
            // Refused while the enrolled set changed: invalidated.
            (ctk(-3), changed, .KeyInvalidated),
            (la(-1), changed, .KeyInvalidated),
        ]
        for (failure, biometry, expected) in cases {
            enclave(throws: failure, biometry: biometry)
            let ns = failure as NSError
            XCTAssertThrowsError(try store.sign(alias: "device", message: Data([1]))) {
                XCTAssertEqual($0 as? DeviceKeyError, expected, "\(ns.domain) \(ns.code), biometry \(String(describing: biometry))")
            }
            XCTAssertThrowsError(try store.publicKey(alias: "device")) {
                XCTAssertEqual($0 as? DeviceKeyError, expected, "\(ns.domain) \(ns.code)")
            }
        }
        // The same classification when the blob unwraps and the signature fails (the prompt).
        for (failure, biometry, expected) in cases {
            StubSecureEnclave.behaviour = .init(failure: failure, unwraps: true)
            StubLocalAuthentication.state = .init(biometryStateHash: biometry, passcodeSet: true)
            let ns = failure as NSError
            XCTAssertThrowsError(try store.sign(alias: "device", message: Data([1]))) {
                XCTAssertEqual($0 as? DeviceKeyError, expected, "sign: \(ns.domain) \(ns.code)")
            }
        }
        XCTAssertThrowsError(try store.publicKey(alias: "device")) {
            XCTAssertEqual($0 as? DeviceKeyError, .Corrupted(reason: "public key is not SEC1 uncompressed P-256"))
        }
        // A key without a recorded state (userPresence, or made before) is never read as
        // invalidated by the biometry.
        let plain = SecureEnclaveKeyStore(service: "test.plain.\(UUID().uuidString)", userAuthentication: .userPresence)
        plantKey(plain, "k", biometryState: nil)
        enclave(throws: ctk(-3), biometry: changed)
        XCTAssertThrowsError(try plain.sign(alias: "k", message: Data([1]))) {
            XCTAssertEqual($0 as? DeviceKeyError, .Platform(reason: "Secure Enclave failure (CryptoTokenKit -3)"))
        }
    }

    /// The user-authentication policies: their flags, and a key refused at `generate` when
    /// the device cannot meet the policy (no passcode; no enrolled biometry for
    /// `.biometryCurrentSet`), instead of a key that can never sign.
    func testUserAuthenticationPolicies() {
        typealias UA = SecureEnclaveKeyStore.UserAuthentication
        XCTAssertEqual(SecureEnclaveKeyStore().userAuthentication, .biometryOrPasscode, "the Android store's policy by default")
        XCTAssertEqual(UA.biometryOrPasscode.flags, [.biometryCurrentSet, .or, .devicePasscode])
        XCTAssertEqual(UA.biometryCurrentSet.flags, [.biometryCurrentSet])
        XCTAssertEqual(UA.userPresence.flags, [.userPresence])
        XCTAssertTrue(UA.biometryOrPasscode.bindsBiometry)
        XCTAssertFalse(UA.userPresence.bindsBiometry)

        let auth = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: true)
        let noAuth = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: false)
        let made = DeviceKeyError.Platform(reason: "Secure Enclave failure (CryptoKit.CryptoKitError 0)")
        let rows: [(UA, Data?, Bool, DeviceKeyOptions, DeviceKeyError)] = [
            // No passcode, no biometry: no user authentication possible.
            (.biometryOrPasscode, nil, false, auth, .HardwareUnavailable),
            (.userPresence, nil, false, auth, .HardwareUnavailable),
            (.biometryCurrentSet, nil, true, auth, .HardwareUnavailable),
            // Met: the stub's enclave is then asked to create the key (and refuses).
            (.biometryOrPasscode, nil, true, auth, made),
            (.userPresence, nil, true, auth, made),
            (.biometryCurrentSet, Data("faces".utf8), true, auth, made),
            (.biometryCurrentSet, nil, false, noAuth, made),
        ]
        for (policy, biometry, passcode, options, expected) in rows {
            enclave(throws: CryptoKitError.underlyingCoreCryptoError(error: -1), biometry: biometry, passcode: passcode, available: true)
            let store = SecureEnclaveKeyStore(service: "test.policy.\(UUID().uuidString)", userAuthentication: policy)
            XCTAssertThrowsError(try store.generate(alias: "k", options: options)) {
                XCTAssertEqual($0 as? DeviceKeyError, expected, "\(policy) biometry \(biometry != nil) passcode \(passcode)")
            }
            XCTAssertThrowsError(try store.publicKey(alias: "k")) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        }
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
            (os(errSecInteractionNotAllowed), .AuthenticationFailed),
            (ctk(-2), .Platform(reason: "Secure Enclave busy or unreachable (CryptoTokenKit -2); try again")),
            (ctk(-7), .Platform(reason: "Secure Enclave busy or unreachable (CryptoTokenKit -7); try again")),
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
