#if canImport(CoreNFC)
import Foundation
@testable import Monid

// The examples of docs/bindings.md's Swift section and of README.md's Swift section, compiled
// (never run: they need an iPhone's NFC session). Keep them in step with the docs: each
// function body below is the example's text.
enum DocExamples {
    enum Refused: Error {
        case passiveAuthentication([PaCheck])
        case notGenuine
    }

    @MainActor static func show(_ read: UInt64, _ total: UInt64) {}

    // docs/bindings.md: reading a card with a CAN and checking it on the phone.
    static func readAndVerify(can: String, cscaPem: Data) async throws -> String? {
        let reader = try MonidReader(key: AccessKey.can(can: can))       // the 6 digits printed on the card
        let progress = Task { for await p in reader.progressUpdates() { await show(p.bytesRead, p.bytesKnownTotal) } }
        defer { reader.finishProgress(); progress.cancel() }
        let document: Document
        do {
            document = try await CoreNFCReadSession().read(with: reader)   // resumes across NFC sessions
        } catch MonidReaderError.cancelled {
            return nil                                                     // the user closed the NFC sheet
        } catch let e as MonidReaderError where e.isResumable {
            throw e      // lost in every session: read(with: reader) again resumes, nothing is read twice
        } catch let e as MonidReaderError {
            throw e      // .wrongAccessKey (ask for the CAN again), .nfcUnavailable, ...; e.message is safe to log
        }

        let csca = TrustStore()
        _ = csca.addPemBundle(pem: cscaPem)                                // the issuing states' CSCA certificates
        let report = try await document.verifyAsync(trustStore: csca)      // PA, off the main actor
        guard report.verdict == .valid else { throw Refused.passiveAuthentication(report.checks) }  // the data is the issuer's
        guard case .proven = document.chipGenuine() else { throw Refused.notGenuine }               // CA/AA: not a clone
        let face = try await document.facePixelsAsync()                    // JPEG 2000 decoded off the main actor
        _ = face
        let surname = document.summary().surname?.value()   // personal data: `"\(field)"` prints <redacted>
        return surname
    }

    // docs/bindings.md: a receipt for a relying party's challenge, signed in the Secure Enclave.
    static func receipt(qrText: String, relyingPartyAnchorsPem: String, can: String, match: FaceMatch, capture: Data) async throws {
        let trust = RelyingPartyTrust()
        _ = try trust.addAnchorsPem(pem: relyingPartyAnchorsPem)
        let scanned: ScannedChallenge
        do {
            scanned = try await scanChallengeAsync(text: qrText, trust: trust)
        } catch let e as ChallengeError {
            throw e      // .BadSignature, .UnknownRelyingParty, .Expired...: not a QR code to answer
        }
        // show scanned.rpDisplayName(), scanned.purpose(), scanned.confirmationCode(), the consent lines

        let keys = SecureEnclaveKeyStore()                                  // Face ID / Touch ID or the passcode
        let devicePublicKey = try keys.publicKey(alias: "device")          // generated once at enrolment
        var options = defaultReadOptions()
        options.activeAuthenticationChallenge = try scanned.activeAuthenticationChallenge(devicePublicKey: devicePublicKey)
        let document = try await CoreNFCReadSession().read(with: MonidReader(key: AccessKey.can(can: can), options: options))

        do {
            let receipt = try await MonidReceipts.create(
                challenge: scanned, document: document, faceMatch: match, liveCapture: capture,
                keyStore: keys, alias: "device")
            _ = receipt
            // POST receipt.envelope (application/cose) to receipt.responseUri, then show receipt.handleQrText
        } catch ReceiptFailure.keyInvalidated {
            // the key is gone for good (enrolled faces / fingers changed): delete "device", generate a new key, enrol again
        } catch ReceiptFailure.userCancelled {
            // the user dismissed Face ID / the passcode: offer to try again (the key is fine)
        }
    }

    // README.md's Swift example.
    static func readme(can: String, cscaPem: Data, qrText: String, rpTrust: RelyingPartyTrust,
                       match: FaceMatch, capture: Data) async throws {
        struct Refused: Error {}
        do {
            let document = try await CoreNFCReadSession().read(with: MonidReader(key: AccessKey.can(can: can)))
            let csca = TrustStore()
            _ = csca.addPemBundle(pem: cscaPem)
            let report = try await document.verifyAsync(trustStore: csca)   // passive authentication, off the main actor
            guard report.verdict == .valid, case .proven = document.chipGenuine() else { throw Refused() }
        } catch MonidReaderError.cancelled {
            // the user closed the NFC sheet
        } catch let e as MonidReaderError {
            print(e)     // .wrongAccessKey, .tagLost (read again: it resumes), .nfcUnavailable...; no personal data
        }

        // A receipt for a relying party's challenge, signed in the Secure Enclave:
        let scanned = try await scanChallengeAsync(text: qrText, trust: rpTrust)   // ChallengeError if forged
        let keys = SecureEnclaveKeyStore()
        var options = defaultReadOptions()
        options.activeAuthenticationChallenge = try scanned.activeAuthenticationChallenge(
            devicePublicKey: try keys.publicKey(alias: "device"))
        let doc = try await CoreNFCReadSession().read(with: MonidReader(key: AccessKey.can(can: can), options: options))
        do {
            let receipt = try await MonidReceipts.create(challenge: scanned, document: doc, faceMatch: match,
                                                         liveCapture: capture, keyStore: keys, alias: "device")
            _ = receipt  // POST receipt.envelope to receipt.responseUri
        } catch ReceiptFailure.keyInvalidated {
            // delete "device", generate a new key, enrol again
        }
    }
}
#endif
