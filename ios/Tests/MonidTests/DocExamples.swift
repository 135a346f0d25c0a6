#if canImport(CoreNFC)
import Foundation
@testable import Monid

// The two examples of docs/bindings.md's Swift section, compiled (never run: they need an
// iPhone's NFC session). Keep them in step with the docs.
enum DocExamples {
    enum Refused: Error {
        case passiveAuthentication([PaCheck])
        case notGenuine
    }

    @MainActor static func show(_ read: UInt64, _ total: UInt64) {}

    static func readAndVerify(can: String, cscaPem: Data) async throws -> String? {
        let reader = try MonidReader(key: AccessKey.can(can: can))       // the 6 digits printed on the card
        let progress = Task { for await p in reader.progressUpdates() { await show(p.bytesRead, p.bytesKnownTotal) } }
        let document = try await CoreNFCReadSession().read(with: reader)   // resumes across NFC sessions
        reader.finishProgress()
        progress.cancel()

        let csca = TrustStore()
        _ = csca.addPemBundle(pem: cscaPem)                                // the issuing states' CSCA certificates
        let report = document.verify(trustStore: csca, nowUnixSeconds: Int64(Date().timeIntervalSince1970))
        guard report.verdict == .valid else { throw Refused.passiveAuthentication(report.checks) }  // PA: the data is the issuer's
        guard case .proven = document.chipGenuine() else { throw Refused.notGenuine }               // CA/AA: not a clone
        let surname = document.summary().surname?.value()   // personal data: `"\(field)"` prints <redacted>
        return surname
    }

    static func receipt(qrText: String, relyingPartyAnchorsPem: String, can: String, match: FaceMatch, capture: Data) async throws {
        let trust = RelyingPartyTrust()
        _ = try trust.addAnchorsPem(pem: relyingPartyAnchorsPem)
        let scanned = try scanChallenge(text: qrText, trust: trust, nowUnixSeconds: MonidReceipts.now(), skewSeconds: 120)
        // show scanned.rpDisplayName(), scanned.purpose(), scanned.confirmationCode(), the consent lines

        let keys = SecureEnclaveKeyStore()
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
            // Face ID / Touch ID enrolment changed: delete "device", generate a new key, enrol again
        }
    }
}
#endif
