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

    typealias BiometryState = SecureEnclaveKeyStore.BiometryState

    /// Puts a key blob under `alias` (as `generate` would on a device) and, if given, the
    /// biometric state recorded with it, as `source` gave it under `osMajor` (by default as
    /// the store's own reading does here: the iOS 18 API, this OS's version).
    func plantKey(_ store: SecureEnclaveKeyStore, _ alias: String, biometryState: Data?,
                  source: BiometryState.Source = .domainStateBiometry,
                  osMajor: Int = ProcessInfo.processInfo.operatingSystemVersion.majorVersion) {
        plantKey(store, alias, record: biometryState.map {
            BiometryState(source: source, osMajor: osMajor, hash: $0).record
        })
    }

    /// Puts a key blob under `alias` and, if given, `record` as its recorded biometric state.
    func plantKey(_ store: SecureEnclaveKeyStore, _ alias: String, record: Data?) {
        let add = { (service: String, value: Data) in
            XCTAssertEqual(SecItemAdd([
                kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service,
                kSecAttrAccount as String: alias, kSecValueData as String: value,
            ] as CFDictionary, nil), errSecSuccess)
        }
        add(store.service, Data(repeating: 7, count: 96))
        if let record { add(store.biometryStateService, record) }
    }

    /// The biometric state recorded for `alias`, as stored (nil: none).
    func recordedState(_ store: SecureEnclaveKeyStore, _ alias: String) -> Data? {
        var item: CFTypeRef?
        let status = SecItemCopyMatching([
            kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: store.biometryStateService,
            kSecAttrAccount as String: alias, kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ] as CFDictionary, &item)
        return status == errSecSuccess ? item as? Data : nil
    }

    /// A store that reads the biometric state with `source` and tags it with `osMajor` (the
    /// OS the test plays).
    func store(_ service: String, reading source: BiometryState.Source, osMajor: Int,
               _ policy: SecureEnclaveKeyStore.UserAuthentication = .biometryOrPasscode) -> SecureEnclaveKeyStore {
        SecureEnclaveKeyStore(service: service, userAuthentication: policy) {
            SecureEnclaveKeyStore.biometryState(from: source, osMajor: osMajor)
        }
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

    /// The user-authentication policies: the access control `generate` asks the enclave for
    /// and whether it records the biometric state, and a key refused at `generate` when the
    /// device cannot meet the policy (no passcode; no enrolled biometry for
    /// `.biometryCurrentSet`), instead of a key that can never sign.
    func testUserAuthenticationPolicies() throws {
        typealias UA = SecureEnclaveKeyStore.UserAuthentication
        let auth = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: true)
        let noAuth = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: false)
        // nil: the store's default policy (the Android store's, biometry or passcode).
        let makes: [(UA?, DeviceKeyOptions, SecAccessControlCreateFlags, Bool)] = [
            (nil, auth, [.privateKeyUsage, .biometryCurrentSet, .or, .devicePasscode], true),
            (.biometryOrPasscode, auth, [.privateKeyUsage, .biometryCurrentSet, .or, .devicePasscode], true),
            (.biometryCurrentSet, auth, [.privateKeyUsage, .biometryCurrentSet], true),
            (.userPresence, auth, [.privateKeyUsage, .userPresence], false),
            (.biometryOrPasscode, noAuth, [.privateKeyUsage], false),
            (.biometryCurrentSet, noAuth, [.privateKeyUsage], false),
        ]
        for (policy, options, flags, records) in makes {
            StubSecureEnclave.behaviour = .init(isAvailable: true, works: true)
            StubLocalAuthentication.state = .init(biometryStateHash: Data("faces".utf8), passcodeSet: true)
            let service = "test.made.\(UUID().uuidString)"
            let store = policy.map { SecureEnclaveKeyStore(service: service, userAuthentication: $0) }
                ?? SecureEnclaveKeyStore(service: service)
            let what = "\(String(describing: policy)) \(options.userAuthenticationRequired)"
            XCTAssertEqual(try store.generate(alias: "k", options: options), StubSecureEnclave.stubPublicKey, what)
            XCTAssertEqual(StubSecureEnclave.lastAccessControl, flags, what)
            XCTAssertEqual(recordedState(store, "k") != nil, records, what)
            XCTAssertEqual(try store.publicKey(alias: "k"), StubSecureEnclave.stubPublicKey, what)
            XCTAssertEqual(try store.sign(alias: "k", message: Data([1])), StubSecureEnclave.stubSignature, what)
            XCTAssertEqual(recordedState(store, "k") != nil, records, "a signature never adds a record: \(what)")
        }

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
            XCTAssertEqual(StubSecureEnclave.lastAccessControl != nil, expected == made,
                           "the enclave is asked only when the policy can be met: \(policy)")
            XCTAssertThrowsError(try store.publicKey(alias: "k")) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        }
    }

    /// The biometric state is compared only with one from the same API under the same major OS
    /// version: after an upgrade to iOS 18 (another API) or to another major version (Apple may
    /// change the value then), or with a record from an earlier version of the store, a
    /// transient refusal stays transient instead of `KeyInvalidated` (which makes the app delete
    /// a valid key). A signature re-records the state, and a change is detected again.
    func testABiometricStateFromAnotherAPIOrOSVersionIsUnknownNotAChange() throws {
        let service = "test.upgrade.\(UUID().uuidString)"
        let auth = DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: true)
        let busy = NSError(domain: "CryptoTokenKit", code: -3)
        let transient = DeviceKeyError.Platform(reason: "Secure Enclave failure (CryptoTokenKit -3)")
        let refuses = { (biometry: String) in
            StubSecureEnclave.behaviour = .init(failure: busy)
            StubLocalAuthentication.state = .init(biometryStateHash: Data(biometry.utf8), passcodeSet: true)
        }

        // Made on iOS 17: recorded with evaluatedPolicyDomainState.
        StubSecureEnclave.behaviour = .init(isAvailable: true, works: true)
        StubLocalAuthentication.state = .init(biometryStateHash: Data("ios17-value".utf8), passcodeSet: true)
        let ios17 = store(service, reading: .evaluatedPolicyDomainState, osMajor: 17)
        _ = try ios17.generate(alias: "device", options: auth)
        XCTAssertEqual(BiometryState(record: try XCTUnwrap(recordedState(ios17, "device"))),
                       BiometryState(source: .evaluatedPolicyDomainState, osMajor: 17, hash: Data("ios17-value".utf8)))
        // Still on iOS 17, the same enrolment: transient; another enrolment: invalidated.
        refuses("ios17-value")
        XCTAssertThrowsError(try ios17.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, transient) }
        refuses("ios17-other")
        XCTAssertThrowsError(try ios17.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .KeyInvalidated) }

        // Upgraded to iOS 18: domainState gives another value for the same enrolment.
        let ios18 = store(service, reading: .domainStateBiometry, osMajor: 18)
        refuses("ios18-value")
        XCTAssertFalse(ios18.biometryChanged(since: "device"))
        XCTAssertThrowsError(try ios18.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, transient) }
        XCTAssertThrowsError(try ios18.publicKey(alias: "device")) { XCTAssertEqual($0 as? DeviceKeyError, transient) }
        // The same API under another major version: unknown too.
        let ios17Later = store(service, reading: .evaluatedPolicyDomainState, osMajor: 19)
        refuses("ios17-other")
        XCTAssertThrowsError(try ios17Later.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, transient) }

        // The key signs on iOS 18: its state is recorded again, from iOS 18's API...
        StubSecureEnclave.behaviour = .init(works: true)
        StubLocalAuthentication.state = .init(biometryStateHash: Data("ios18-value".utf8), passcodeSet: true)
        XCTAssertEqual(try ios18.sign(alias: "device", message: Data([1])), StubSecureEnclave.stubSignature)
        XCTAssertEqual(BiometryState(record: try XCTUnwrap(recordedState(ios18, "device"))),
                       BiometryState(source: .domainStateBiometry, osMajor: 18, hash: Data("ios18-value".utf8)))
        // ... so that a change of the enrolment is detected again, and the same one is not.
        refuses("ios18-value")
        XCTAssertThrowsError(try ios18.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, transient) }
        refuses("ios18-other")
        XCTAssertThrowsError(try ios18.sign(alias: "device", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, .KeyInvalidated) }

        // A bare state recorded by an earlier version of the store (no API, no OS): unknown,
        // even when it equals the current value byte for byte or differs from it.
        let legacy = store("test.legacy.\(UUID().uuidString)", reading: .domainStateBiometry, osMajor: 18)
        plantKey(legacy, "old", record: Data("ios18-value".utf8))
        for now in ["ios18-value", "ios18-other"] {
            refuses(now)
            XCTAssertFalse(legacy.biometryChanged(since: "old"))
            XCTAssertThrowsError(try legacy.sign(alias: "old", message: Data([1]))) { XCTAssertEqual($0 as? DeviceKeyError, transient) }
        }
        // A signature replaces it with a full record.
        StubSecureEnclave.behaviour = .init(works: true)
        _ = try legacy.sign(alias: "old", message: Data([1]))
        XCTAssertEqual(BiometryState(record: try XCTUnwrap(recordedState(legacy, "old")))?.source, .domainStateBiometry)
    }

    /// What the two APIs give through the stub, tagged with their source and the OS version;
    /// nil without enrolled biometry. The record round-trips; anything else is not a record.
    func testBiometricStateReadingAndRecords() throws {
        StubLocalAuthentication.state = .init(biometryStateHash: Data("faces".utf8), passcodeSet: true)
        let old = try XCTUnwrap(SecureEnclaveKeyStore.biometryState(from: .evaluatedPolicyDomainState, osMajor: 17))
        let new = try XCTUnwrap(SecureEnclaveKeyStore.biometryState(from: .domainStateBiometry, osMajor: 18))
        XCTAssertEqual(old, BiometryState(source: .evaluatedPolicyDomainState, osMajor: 17, hash: Data("faces".utf8)))
        XCTAssertEqual(new, BiometryState(source: .domainStateBiometry, osMajor: 18, hash: Data("faces".utf8)))
        XCTAssertNil(old.changed(to: new), "another API")
        XCTAssertNil(new.changed(to: BiometryState(source: .domainStateBiometry, osMajor: 19, hash: Data("faces".utf8))), "another OS version")
        XCTAssertEqual(new.changed(to: BiometryState(source: .domainStateBiometry, osMajor: 18, hash: Data("other".utf8))), true)
        XCTAssertEqual(new.changed(to: new), false)
        XCTAssertEqual(BiometryState(record: new.record), new)
        XCTAssertNil(BiometryState(record: Data("faces".utf8)))
        XCTAssertNil(BiometryState(record: Data(#"{"format":2,"source":"domainStateBiometry","osMajor":18,"hash":""}"#.utf8)))
        XCTAssertNil(BiometryState(record: Data(#"{"format":1,"source":"somethingElse","osMajor":18,"hash":""}"#.utf8)))
        // This OS's reading (the Linux build takes the iOS 18 branch).
        XCTAssertEqual(SecureEnclaveKeyStore.currentBiometryState()?.source, .domainStateBiometry)
        StubLocalAuthentication.state = .init(biometryStateHash: nil, passcodeSet: true)
        XCTAssertNil(SecureEnclaveKeyStore.biometryState(from: .evaluatedPolicyDomainState, osMajor: 17))
        XCTAssertNil(SecureEnclaveKeyStore.currentBiometryState())
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
