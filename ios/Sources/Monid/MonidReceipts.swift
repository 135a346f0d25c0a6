import Foundation

/// Receipts and enrolment without blocking the caller.
///
/// The generated `createReceipt` and `enrol` are BLOCKING: they call the key store's `sign`,
/// which may show Face ID / Touch ID and wait for the user. These wrappers run them on a
/// dedicated thread of their own (named `monid-receipt`, 4 MiB of stack), never on the main actor and never on
/// a thread of Swift's cooperative pool (a prompt would park a pool thread for seconds).
/// Cancelling the awaiting task cancels the call through a ``CancellationToken``: Rust checks
/// it before and after the key store's `sign`, so the call ends with
/// ``ReceiptFailure/cancelled`` (a prompt already on screen is the key store's to dismiss).
/// Errors arrive as ``ReceiptFailure``.
///
/// ```swift
/// let scanned = try await scanChallengeAsync(text: qrText, trust: trust)
/// var options = defaultReadOptions()
/// options.activeAuthenticationChallenge = try scanned.activeAuthenticationChallenge(devicePublicKey: devicePublicKey)
/// let document = try await MonidReader(key: AccessKey.can(can: can), options: options).read(transport: transport)
/// let receipt = try await MonidReceipts.create(
///     challenge: scanned, document: document, faceMatch: match, liveCapture: capture,
///     keyStore: SecureEnclaveKeyStore(), alias: "device")
/// // POST receipt.envelope (application/cose) to receipt.responseUri
/// ```
public enum MonidReceipts {
    /// Builds, signs (through `keyStore`, which may prompt) and seals the receipt answering
    /// `challenge`, on a dedicated thread. See the generated `createReceipt` for what each input
    /// is required for.
    ///
    /// - Throws: ``ReceiptFailure`` (``ReceiptFailure/cancelled`` when the task was cancelled).
    public static func create(
        challenge: ScannedChallenge,
        document: Document? = nil,
        faceMatch: FaceMatch? = nil,
        liveCapture: Data? = nil,
        enrolment: Enrolment? = nil,
        keyStore: any DeviceKeyStore,
        alias: String,
        nowUnixSeconds: UInt64 = MonidReceipts.now()
    ) async throws -> SealedReceipt {
        try await onReceiptThread { token in
            try createReceipt(
                challenge: challenge, document: document, faceMatch: faceMatch,
                liveCapture: liveCapture, enrolment: enrolment, keyStore: keyStore, alias: alias,
                nowUnixSeconds: nowUnixSeconds, cancel: token)
        }
    }

    /// Enrols the device key under `alias` with a document just read (EF.SOD, DG1, DG2), on a
    /// dedicated thread: the record is signed through `keyStore` (which may prompt).
    ///
    /// - Throws: ``ReceiptFailure`` (``ReceiptFailure/cancelled`` when the task was cancelled).
    public static func enrol(
        document: Document,
        keyStore: any DeviceKeyStore,
        alias: String,
        nowUnixSeconds: UInt64 = MonidReceipts.now()
    ) async throws -> Enrolment {
        try await onReceiptThread { token in
            try Monid.enrol(
                document: document, keyStore: keyStore, alias: alias,
                nowUnixSeconds: nowUnixSeconds, cancel: token)
        }
    }

    /// The device clock in Unix seconds (0 before 1970).
    public static func now() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970))
    }

    /// Runs `work` on a new thread (4 MiB of stack) with a fresh token that the task's cancellation cancels. A
    /// task cancelled before the call cancels the token at once (Swift runs the handler first).
    static func onReceiptThread<T: Sendable>(
        _ work: @escaping @Sendable (CancellationToken) throws -> T
    ) async throws -> T {
        let token = CancellationToken()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
                // A 4 MiB stack (see RustThread): COSE, ECDH and the verification of the
                // document's signatures run deep, and iOS gives secondary threads 512 KiB.
                RustThread.start(name: "monid-receipt") {
                    do {
                        cont.resume(returning: try work(token))
                    } catch {
                        cont.resume(throwing: ReceiptFailure(error))
                    }
                }
            }
        } onCancel: {
            token.cancel()
        }
    }
}

/// Why a receipt or an enrolment could not be made, as a Swift error: one case per case of the
/// generated `ReceiptError`, so a `switch` is exhaustive. Messages name a field or step, never
/// a value (the key store's own message is passed on shortened; keep personal data out of your
/// key store's errors).
///
/// - ``keyInvalidated``: the device key is gone for good (a new face or finger was enrolled):
///   delete the alias, generate a new key and enrol again.
/// - ``userCancelled``: the user dismissed the prompt; ``cancelled``: the task was cancelled.
/// - ``keyStore(_:)``: any other key-store failure, including a key store that threw an error
///   it does not declare (the message then says "unexpectedly").
public enum ReceiptFailure: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Something the challenge needs was not given (document, face match, enrolment...).
    case missingInput(String)
    /// No value for a requested claim (e.g. no address on the card).
    case valueUnavailable(Claim)
    /// The card was read over another active-authentication challenge: read it with
    /// `ScannedChallenge.activeAuthenticationChallenge(devicePublicKey:)`.
    case aaChallengeMismatch
    /// An input is invalid (face record out of range, malformed enrolment, bad seal key).
    case invalidInput(String)
    /// The device key was permanently invalidated: enrol again.
    case keyInvalidated
    /// The user dismissed the key store's authentication prompt.
    case userCancelled
    /// The task was cancelled (or the key store reported a cancellation).
    case cancelled
    /// The key store failed otherwise.
    case keyStore(String)
    /// A library bug or failing dependency.
    case `internal`(String)

    /// Maps the generated `ReceiptError` (or anything else) to this enum.
    public init(_ error: any Error) {
        switch error {
        case let e as ReceiptFailure:
            self = e
        case let e as ReceiptError:
            switch e {
            case .MissingInput(let reason): self = .missingInput(reason)
            case .ValueUnavailable(let claim): self = .valueUnavailable(claim)
            case .AaChallengeMismatch: self = .aaChallengeMismatch
            case .InvalidInput(let reason): self = .invalidInput(reason)
            case .KeyInvalidated: self = .keyInvalidated
            case .UserCancelled: self = .userCancelled
            case .Cancelled: self = .cancelled
            case .KeyStore(let reason): self = .keyStore(reason)
            case .Internal(let reason): self = .internal(reason)
            }
        case is CancellationError:
            self = .cancelled
        default:
            // uniffi's internal errors and anything else: the type name only, never the value.
            self = .internal("unexpected failure: \(type(of: error))")
        }
    }

    /// The message (safe to log).
    public var message: String {
        switch self {
        case .missingInput(let m): return "missing input: \(m)"
        case .valueUnavailable(let claim): return "no value for the requested claim \(claim)"
        case .aaChallengeMismatch: return "active authentication was run over another challenge"
        case .invalidInput(let m): return "invalid input: \(m)"
        case .keyInvalidated: return "device key invalidated; enrol again"
        case .userCancelled: return "user cancelled authentication"
        case .cancelled: return "cancelled"
        case .keyStore(let m): return "key store: \(m)"
        case .internal(let m): return "internal error: \(m)"
        }
    }

    /// True when the citizen must enrol again (new device key) before the next receipt.
    public var needsEnrolment: Bool { self == .keyInvalidated }

    public var description: String { "ReceiptFailure: \(message)" }
}
