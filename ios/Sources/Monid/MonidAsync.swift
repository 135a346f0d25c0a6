import Foundation

// Async versions of the generated calls that take long enough to matter on a phone's main
// actor: passive authentication, the face decoder (JPEG 2000), loading a CSCA master list, and
// scanning a challenge. Each runs the blocking call on a dedicated thread (RustThread: 4 MiB of
// stack, never Swift's cooperative pool, whose threads have 512 KiB on iOS and must not be held
// by long work). The Rust calls cannot be interrupted: a task cancelled before the call never
// starts it; a task cancelled while it runs gets its cancellation error at once, and the call
// finishes on its thread with its result dropped.
//
// The names end in `Async` because Swift would prefer an async overload of the same name in
// every async context, which would turn each existing synchronous call there into a compile
// error ("expression is 'async' but is not marked with 'await'").

extension Document {
    /// ``verify(trustStore:nowUnixSeconds:)`` (passive authentication: EF.SOD's signature, the
    /// certificate path to `trustStore`'s CSCAs, CRLs, the data-group hashes) on a thread of its
    /// own.
    ///
    /// - Throws: ``MonidReaderError/cancelled(_:)`` when the task was cancelled (the only error).
    public func verifyAsync(trustStore: TrustStore,
                            nowUnixSeconds: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> PaReport {
        do {
            return try await RustThread.run(name: "monid-verify") {
                self.verify(trustStore: trustStore, nowUnixSeconds: nowUnixSeconds)
            }
        } catch {
            throw MonidReaderError(error)
        }
    }

    /// ``facePixels()`` (decodes DG2's first face, JPEG or JPEG 2000, to RGB) on a thread of its
    /// own; nil when DG2 was not read or holds no face.
    ///
    /// - Throws: ``MonidReaderError`` (``MonidReaderError/cancelled(_:)`` when the task was
    ///   cancelled).
    public func facePixelsAsync() async throws -> FacePixels? {
        do {
            return try await RustThread.run(name: "monid-face") {
                try self.facePixels()
            }
        } catch {
            throw MonidReaderError(error)
        }
    }
}

extension TrustStore {
    /// ``addMasterList(cms:anchorDer:)`` (verifies and loads a CSCA master list, often several
    /// hundred certificates) on a thread of its own.
    ///
    /// - Throws: `CancellationError` when the task was cancelled (the only error; what the list
    ///   holds and what was refused is in the returned `LoadReport`). A list whose load was
    ///   cancelled while it ran may still be (partly) added.
    public func addMasterListAsync(cms: Data, anchorDer: Data? = nil) async throws -> LoadReport {
        try await RustThread.run(name: "monid-trust") {
            self.addMasterList(cms: cms, anchorDer: anchorDer)
        }
    }
}

/// ``scanChallenge(text:trust:nowUnixSeconds:skewSeconds:)`` (or, with `strict`,
/// ``scanChallengeStrict(text:trust:nowUnixSeconds:skewSeconds:)``: an expired or not yet valid
/// challenge is an error) on a thread of its own: it verifies the relying party's certificate
/// path and the COSE signature.
///
/// - Throws: the generated `ChallengeError` (forged, expired, unknown relying party...), or
///   `CancellationError` when the task was cancelled.
public func scanChallengeAsync(text: String, trust: RelyingPartyTrust,
                               nowUnixSeconds: UInt64 = MonidReceipts.now(), skewSeconds: UInt64 = 120,
                               strict: Bool = false) async throws -> ScannedChallenge {
    try await RustThread.run(name: "monid-scan") {
        strict
            ? try scanChallengeStrict(text: text, trust: trust, nowUnixSeconds: nowUnixSeconds, skewSeconds: skewSeconds)
            : try scanChallenge(text: text, trust: trust, nowUnixSeconds: nowUnixSeconds, skewSeconds: skewSeconds)
    }
}
