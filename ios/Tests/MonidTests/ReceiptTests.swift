import Dispatch
import Foundation
import XCTest
@testable import Monid

/// The issue's relying-party scenario in Swift (bindings/tests/flow.rs is the Rust version): the
/// test relying party issues a challenge, the phone scans it, reads the virtual CNIE with the
/// derived active-authentication challenge, binds a face match and signs with a key store
/// written in Swift (OpenSSL on Linux); the verifier accepts the receipt once.
final class ReceiptTests: XCTestCase {
    // MARK: fixtures

    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

    static func verifier() throws -> Verifier {
        let rp = testRelyingParty()
        let csca = TrustStore()
        _ = csca.addPemBundle(pem: virtualCardTrustAnchorsPem())
        return try Verifier(config: VerifierConfig(
            signingKey: RpSigningKey.fromPem(pem: rp.signingKeyPem), certificateChainPem: rp.certificateChainPem,
            compact: false, csca: csca, attestationRootsPem: "", policy: defaultPolicy(),
            capacity: 16))
    }

    static func phoneTrust() throws -> RelyingPartyTrust {
        let trust = RelyingPartyTrust()
        XCTAssertEqual(try trust.addAnchorsPem(pem: testRelyingParty().anchorPem), 1)
        return trust
    }

    static let all = Assurance(chipRead: true, chipGenuine: true, faceMatch: true)

    static func spec(_ claims: [(Claim, Level)], _ assurance: Assurance = all) -> ChallengeSpec {
        ChallengeSpec(
            purpose: "swift receipt test",
            claims: claims.map { ClaimRequest(claim: $0.0, level: $0.1) },
            assurance: assurance,
            responseUri: "https://bank.example.ma/monid/receipt",
            lifetimeSeconds: 300)
    }

    static func face(_ score: UInt16) -> FaceMatch {
        FaceMatch(
            engineId: "test-matcher", engineVersion: "1", scoreMilli: score, thresholdMilli: 800,
            decision: score >= 800, liveness: .passed)
    }

    static let softwareKey = DeviceKeyOptions(hardwareRequired: false, userAuthenticationRequired: false)

    /// Issues a challenge for `claims` and scans it as the phone does.
    static func scanned(_ v: Verifier, _ claims: [(Claim, Level)], _ t: UInt64) throws -> (IssuedChallenge, ScannedChallenge) {
        let issued = try v.issueChallenge(spec: spec(claims), nowUnixSeconds: t)
        let scanned = try scanChallenge(text: issued.qrText, trust: phoneTrust(), nowUnixSeconds: t, skewSeconds: 120)
        return (issued, scanned)
    }

    /// Reads the virtual CNIE for `scanned` with the AA challenge bound to `devicePublicKey`.
    static func read(for scanned: ScannedChallenge, devicePublicKey: Data) async throws -> Document {
        let card = VirtualCard.cnie()
        var options = defaultReadOptions()
        options.activeAuthenticationChallenge = try scanned.activeAuthenticationChallenge(devicePublicKey: devicePublicKey)
        return try await MonidReader(key: AccessKey.can(can: card.can()), options: options)
            .read(transport: ForwardingTransport(card))
    }

    /// A scanned challenge, a Swift key store with a key "device" and the card read for them.
    static func prepared(_ claims: [(Claim, Level)] = [(.names, .chipVerifiable)]) async throws
        -> (Verifier, ScannedChallenge, SwiftKeyStore, Document, UInt64)
    {
        let t = now()
        let v = try verifier()
        let (_, scanned) = try scanned(v, claims, t)
        let keys = SwiftKeyStore()
        let pk = try keys.generate(alias: "device", options: softwareKey)
        let doc = try await read(for: scanned, devicePublicKey: pk)
        return (v, scanned, keys, doc, t)
    }

    // MARK: the scenario

    func testChallengeScannedReceiptMadeWithASwiftKeyStoreAndVerifiedOnce() async throws {
        let t = Self.now()
        let v = try Self.verifier()
        let (issued, scanned) = try Self.scanned(
            v, [(.names, .chipVerifiable), (.ageOver18, .chipVerifiable), (.photo, .chipVerifiable)], t)
        XCTAssertEqual(scanned.rpId(), "bank.example.ma")
        XCTAssertEqual(scanned.confirmationCode(), issued.confirmationCode)
        XCTAssertTrue(scanned.needsCard())
        XCTAssertEqual(scanned.claims().map(\.claim), [.names, .ageOver18, .photo])

        let keys = SwiftKeyStore()
        let devicePublicKey = try keys.generate(alias: "device", options: Self.softwareKey)
        let doc = try await Self.read(for: scanned, devicePublicKey: devicePublicKey)
        // The phone's own check of what it read: passive authentication and a genuine chip.
        XCTAssertEqual(doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Int64(t)).verdict, .valid)
        guard case .proven = doc.chipGenuine() else { return XCTFail("\(doc.chipGenuine())") }
        let consent = scanned.consentItems(document: doc, nowUnixSeconds: t)
        XCTAssertTrue(consent.contains { $0.dataGroup() == 2 })

        let receipt = try await MonidReceipts.create(
            challenge: scanned, document: doc, faceMatch: Self.face(930),
            liveCapture: Data("live capture".utf8), keyStore: keys, alias: "device", nowUnixSeconds: t)
        XCTAssertEqual(receipt.responseUri, "https://bank.example.ma/monid/receipt")
        XCTAssertNil(receipt.envelopeQrText, "a photo receipt is POSTed, not shown")
        XCTAssertTrue(receipt.handleQrText.hasPrefix("MR1:"))
        XCTAssertEqual(keys.signCount, 1, "the receipt was signed by the Swift key store")
        XCTAssertTrue(keys.neverSignedOnMain)

        let ok = try v.verify(envelope: receipt.envelope, nowUnixSeconds: t + 1)
        XCTAssertTrue(ok.assurance.chipRead)
        XCTAssertTrue(ok.assurance.chipGenuine)
        XCTAssertEqual(ok.assurance.face?.scoreMilli, 930)
        XCTAssertEqual(ok.assurance.face?.liveness, .passed)
        XCTAssertEqual(ok.claims.map { $0.claim() }, [.names, .ageOver18, .photo])
        XCTAssertEqual(ok.claims[0].primaryName(), doc.summary().surname?.value())
        XCTAssertNotNil(ok.claims[0].primaryName())
        XCTAssertEqual(ok.claims[1].ageOver(), true)
        XCTAssertTrue(ok.claims.allSatisfy { $0.fromDataGroup() })
        XCTAssertGreaterThan(ok.photo?.count ?? 0, 32_000)

        // Exactly once.
        XCTAssertThrowsError(try v.verify(envelope: receipt.envelope, nowUnixSeconds: t + 2)) { e in
            guard case Rejected.Receipt(let reason, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(reason, .replayed)
        }
    }

    func testACardReadForAnotherDeviceKeyIsRefusedBeforeSigning() async throws {
        // The AA challenge binds the device key: the card was read for "device", so a receipt
        // signed by "other" is refused on the phone, before the key store is asked to sign.
        let (_, scanned, keys, doc, t) = try await Self.prepared()
        _ = try keys.generate(alias: "other", options: Self.softwareKey)
        do {
            _ = try await MonidReceipts.create(
                challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([1]),
                keyStore: keys, alias: "other", nowUnixSeconds: t)
            XCTFail("expected an AA challenge mismatch")
        } catch let e as ReceiptFailure {
            XCTAssertEqual(e, .aaChallengeMismatch)
        }
        XCTAssertEqual(keys.signCount, 0)
    }

    func testEnrolmentThenADeviceAssertedClaim() async throws {
        let t = Self.now()
        let v = try Self.verifier()
        let keys = SwiftKeyStore()
        _ = try keys.generate(alias: "device", options: Self.softwareKey)
        let card = VirtualCard.cnie()
        let doc = try await MonidReader(key: AccessKey.can(can: card.can())).read(transport: ForwardingTransport(card))
        let enrolment = try await MonidReceipts.enrol(document: doc, keyStore: keys, alias: "device", nowUnixSeconds: t)
        XCTAssertEqual(enrolment.devicePublicKey(), try keys.publicKey(alias: "device"))
        let accepted = try v.acceptEnrolment(record: enrolment.signedBytes(), nowUnixSeconds: t)
        XCTAssertEqual(accepted.id, enrolment.id())

        let none = Assurance(chipRead: false, chipGenuine: false, faceMatch: false)
        let issued = try v.issueChallenge(spec: Self.spec([(.ageOver18, .deviceAsserted)], none), nowUnixSeconds: t)
        let scanned = try scanChallenge(text: issued.qrText, trust: Self.phoneTrust(), nowUnixSeconds: t, skewSeconds: 120)
        XCTAssertFalse(scanned.needsCard())
        let receipt = try await MonidReceipts.create(
            challenge: scanned, enrolment: enrolment, keyStore: keys, alias: "device", nowUnixSeconds: t)
        XCTAssertTrue(receipt.envelopeQrText?.hasPrefix("ME1:") ?? false)
        let ok = try v.verify(envelope: receipt.envelope, nowUnixSeconds: t)
        XCTAssertEqual(ok.claims.first?.ageOver(), true)
        XCTAssertEqual(ok.assurance.level, .deviceAsserted)
        XCTAssertEqual(keys.signCount, 2)  // the enrolment record and the receipt
    }

    // MARK: the Swift key store

    func testSwiftKeyStoreOwnsItsAliasesOptionsAndErrors() throws {
        let keys = SwiftKeyStore()
        let pk = try keys.generate(alias: "a", options: Self.softwareKey)
        XCTAssertEqual(pk.count, 65)
        XCTAssertEqual(pk.first, 0x04)
        XCTAssertEqual(try keys.publicKey(alias: "a"), pk)
        XCTAssertThrowsError(try keys.generate(alias: "a", options: Self.softwareKey)) {
            XCTAssertEqual($0 as? DeviceKeyError, .AlreadyExists)
        }
        for options in [
            DeviceKeyOptions(hardwareRequired: true, userAuthenticationRequired: false),
            DeviceKeyOptions(hardwareRequired: false, userAuthenticationRequired: true),
        ] {
            XCTAssertThrowsError(try keys.generate(alias: "hw", options: options)) {
                XCTAssertEqual($0 as? DeviceKeyError, .HardwareUnavailable)
            }
        }
        let message = Data("to be signed".utf8)
        let sig = try keys.sign(alias: "a", message: message)
        XCTAssertEqual(sig.first, 0x30, "DER SEQUENCE")
        XCTAssertTrue((8...72).contains(sig.count), "\(sig.count)")
        XCTAssertTrue(try keys.verify(alias: "a", signature: sig, message: message))
        XCTAssertFalse(try keys.verify(alias: "a", signature: sig, message: Data("other".utf8)))
        XCTAssertEqual(try keys.attestation(alias: "a", challenge: Data([1])), [])
        XCTAssertEqual(keys.aliases, ["a"])
        try keys.delete(alias: "a")
        XCTAssertEqual(keys.aliases, [])
        let calls: [() throws -> Void] = [
            { _ = try keys.publicKey(alias: "a") }, { _ = try keys.sign(alias: "a", message: message) },
            { try keys.delete(alias: "a") }, { _ = try keys.attestation(alias: "a", challenge: Data()) },
        ]
        for call in calls {
            XCTAssertThrowsError(try call()) { XCTAssertEqual($0 as? DeviceKeyError, .NotFound) }
        }
    }

    // MARK: failures

    func testAKeyStoreThrowingAnUndeclaredErrorIsAKeyStoreFailureNotACrash() async throws {
        let (_, scanned, keys, doc, t) = try await Self.prepared()
        let buggy = ScriptedKeyStore(keys) { throw KeyStoreBug() }
        // The blocking call: the generated ReceiptError.
        XCTAssertThrowsError(try createReceipt(
            challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([9]),
            enrolment: nil, keyStore: buggy, alias: "device", nowUnixSeconds: t, cancel: nil)) { e in
            guard case ReceiptError.KeyStore(let reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("unexpectedly"), reason)
            XCTAssertTrue(reason.contains("KeyStoreBug"), reason)
        }
        // The async wrapper: ReceiptFailure.
        do {
            _ = try await MonidReceipts.create(
                challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([9]),
                keyStore: buggy, alias: "device", nowUnixSeconds: t)
            XCTFail("expected a key store failure")
        } catch let e as ReceiptFailure {
            guard case .keyStore(let reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("unexpectedly"), reason)
        }
        XCTAssertEqual(buggy.signCalls.value, 2)
        XCTAssertEqual(keys.signCount, 0)
    }

    func testDeclaredKeyStoreErrorsAreTyped() async throws {
        let (_, scanned, keys, doc, t) = try await Self.prepared()
        let cases: [(DeviceKeyError, ReceiptError, ReceiptFailure)] = [
            (.KeyInvalidated, .KeyInvalidated, .keyInvalidated),
            (.UserCancelled, .UserCancelled, .userCancelled),
            (.Cancelled, .Cancelled, .cancelled),
        ]
        for (thrown, expected, failure) in cases {
            let store = ScriptedKeyStore(keys) { throw thrown }
            XCTAssertThrowsError(try createReceipt(
                challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([9]),
                enrolment: nil, keyStore: store, alias: "device", nowUnixSeconds: t, cancel: nil)) { e in
                XCTAssertEqual(e as? ReceiptError, expected)
            }
            do {
                _ = try await MonidReceipts.create(
                    challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([9]),
                    keyStore: store, alias: "device", nowUnixSeconds: t)
                XCTFail("expected \(failure)")
            } catch let e as ReceiptFailure {
                XCTAssertEqual(e, failure)
            }
        }
        XCTAssertTrue(ReceiptFailure.keyInvalidated.needsEnrolment)
        // A missing alias is the key store's NotFound, reported as a key-store failure.
        do {
            _ = try await MonidReceipts.create(
                challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([9]),
                keyStore: keys, alias: "nobody", nowUnixSeconds: t)
            XCTFail("expected a key store failure")
        } catch let e as ReceiptFailure {
            guard case .keyStore = e else { return XCTFail("\(e)") }
        }
    }

    func testMissingInputsAreNamed() async throws {
        let (_, scanned, keys, doc, t) = try await Self.prepared()
        do {
            _ = try await MonidReceipts.create(challenge: scanned, keyStore: keys, alias: "device", nowUnixSeconds: t)
            XCTFail("expected missing input")
        } catch let e as ReceiptFailure {
            guard case .missingInput = e else { return XCTFail("\(e)") }
        }
        do {  // face match required, none given
            _ = try await MonidReceipts.create(challenge: scanned, document: doc, keyStore: keys, alias: "device", nowUnixSeconds: t)
            XCTFail("expected missing input")
        } catch let e as ReceiptFailure {
            guard case .missingInput = e else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(keys.signCount, 0)
    }

    func testForgedOrForeignQrTextIsAChallengeError() throws {
        let t = Self.now()
        let v = try Self.verifier()
        let issued = try v.issueChallenge(spec: Self.spec([(.names, .chipVerifiable)]), nowUnixSeconds: t)
        // Genuine text, but the phone trusts no relying party.
        XCTAssertThrowsError(try scanChallenge(text: issued.qrText, trust: RelyingPartyTrust(), nowUnixSeconds: t, skewSeconds: 120)) { e in
            guard case ChallengeError.UnknownRelyingParty = e else { return XCTFail("\(e)") }
        }
        // One character changed in the middle: refused with a typed error.
        var chars = Array(issued.qrText)
        let i = chars.count / 2
        chars[i] = chars[i] == "A" ? "B" : "A"
        XCTAssertThrowsError(try scanChallenge(text: String(chars), trust: Self.phoneTrust(), nowUnixSeconds: t, skewSeconds: 120)) { e in
            switch e {
            case ChallengeError.Malformed, ChallengeError.BadSignature, ChallengeError.UnknownRelyingParty: break
            default: XCTFail("\(e)")
            }
        }
        XCTAssertThrowsError(try scanChallenge(text: "hello", trust: Self.phoneTrust(), nowUnixSeconds: t, skewSeconds: 120)) { e in
            guard case ChallengeError.Malformed = e else { return XCTFail("\(e)") }
        }
        // The genuine text still scans (the refusals above were not a broken fixture).
        XCTAssertNoThrow(try scanChallenge(text: issued.qrText, trust: Self.phoneTrust(), nowUnixSeconds: t, skewSeconds: 120))
    }

    func testDescriptionsCarryNoPersonalData() async throws {
        let (v, scanned, keys, doc, t) = try await Self.prepared([(.names, .chipVerifiable), (.birthDate, .chipVerifiable)])
        let summary = doc.summary()
        let surname = try XCTUnwrap(summary.surname)
        let value = surname.value()
        XCTAssertFalse(value.isEmpty)
        for text in [String(describing: surname), "\(surname)", surname.debugDescription] {
            XCTAssertFalse(text.contains(value), text)
            XCTAssertTrue(text.contains("<redacted>"), text)
        }
        // The whole summary printed: none of its values appears.
        let printed = String(describing: summary)
        let values = [summary.surname, summary.givenNames, summary.documentNumber, summary.dateOfBirth,
                      summary.dateOfExpiry, summary.fullName, summary.placeOfBirth, summary.personalNumber]
            .compactMap { $0?.value() }.filter { $0.count >= 3 }
        XCTAssertGreaterThanOrEqual(values.count, 4)
        for v in values { XCTAssertFalse(printed.contains(v), "a value of the summary is printed") }

        let receipt = try await MonidReceipts.create(
            challenge: scanned, document: doc, faceMatch: Self.face(900), liveCapture: Data([1]),
            keyStore: keys, alias: "device", nowUnixSeconds: t)
        let ok = try v.verify(envelope: receipt.envelope, nowUnixSeconds: t)
        let names = ok.claims[0]
        let primary = try XCTUnwrap(names.primaryName())
        let secondary = try XCTUnwrap(names.secondaryName())
        let birth = try XCTUnwrap(ok.claims[1].text())
        for claim in ok.claims {
            let text = String(describing: claim)
            XCTAssertTrue(text.contains("<redacted>"), text)
            for secret in [primary, secondary, birth] where !secret.isEmpty {
                XCTAssertFalse(text.contains(secret), text)
            }
        }
        XCTAssertFalse(String(describing: ok).contains(primary))
    }

    // MARK: cancellation

    func testCancellingTheTaskCancelsTheReceiptWhileTheKeyStoreIsPrompting() async throws {
        let (_, scanned, keys, doc, t) = try await Self.prepared()
        let inSign = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let prompting = ScriptedKeyStore(keys) {
            // A biometric prompt on screen: block until the test lets go.
            inSign.signal()
            _ = release.wait(timeout: .now() + 10)
        }
        let face = Self.face(900)
        let task = Task {
            try await MonidReceipts.create(
                challenge: scanned, document: doc, faceMatch: face, liveCapture: Data([1]),
                keyStore: prompting, alias: "device", nowUnixSeconds: t)
        }
        let reached = await withCheckedContinuation { cont in
            Thread { cont.resume(returning: inSign.wait(timeout: .now() + 30)) }.start()
        }
        XCTAssertEqual(reached, .success)
        task.cancel()
        release.signal()
        do {
            _ = try await task.value
            XCTFail("expected cancelled")
        } catch let e as ReceiptFailure {
            XCTAssertEqual(e, .cancelled)
        }
        // The signature was made, but the receipt was dropped after it.
        XCTAssertEqual(keys.signCount, 1)
    }

    func testATaskCancelledBeforeTheCallNeverReachesTheKeyStore() async throws {
        let (_, scanned, keys, doc, t) = try await Self.prepared()
        let store = ScriptedKeyStore(keys) {}
        let gate = DispatchSemaphore(value: 0)
        let face = Self.face(900)
        let task = Task {
            // Wait (off the pool) until cancelled, then call.
            await withCheckedContinuation { cont in
                Thread { _ = gate.wait(timeout: .now() + 10); cont.resume() }.start()
            }
            XCTAssertTrue(Task.isCancelled)
            return try await MonidReceipts.create(
                challenge: scanned, document: doc, faceMatch: face, liveCapture: Data([1]),
                keyStore: store, alias: "device", nowUnixSeconds: t)
        }
        task.cancel()
        gate.signal()
        do {
            _ = try await task.value
            XCTFail("expected cancelled")
        } catch let e as ReceiptFailure {
            XCTAssertEqual(e, .cancelled)
        }
        XCTAssertEqual(store.signCalls.value, 0, "a cancelled receipt never reaches the prompt")
    }

    func testReceiptFailureMapsEveryCase() {
        let pairs: [(ReceiptError, ReceiptFailure)] = [
            (.MissingInput(reason: "a"), .missingInput("a")),
            (.ValueUnavailable(claim: .address), .valueUnavailable(.address)),
            (.AaChallengeMismatch, .aaChallengeMismatch),
            (.InvalidInput(reason: "b"), .invalidInput("b")),
            (.KeyInvalidated, .keyInvalidated),
            (.UserCancelled, .userCancelled),
            (.Cancelled, .cancelled),
            (.KeyStore(reason: "c"), .keyStore("c")),
            (.Internal(reason: "d"), .internal("d")),
        ]
        for (generated, expected) in pairs {
            XCTAssertEqual(ReceiptFailure(generated), expected)
            XCTAssertEqual(ReceiptFailure(expected), expected)
            XCTAssertFalse(expected.message.isEmpty)
        }
        XCTAssertEqual(ReceiptFailure(CancellationError()), .cancelled)
        XCTAssertEqual(ReceiptFailure(KeyStoreBug()), .internal("unexpected failure: KeyStoreBug"))
        XCTAssertFalse(ReceiptFailure.cancelled.needsEnrolment)
    }
}
