import Foundation

/// What a read can fail with, as a Swift error: one case per kind the Rust core defines, so a
/// `switch` over it is exhaustive. Every message is safe to log: it names steps, fields and
/// status words, never an access key, MRZ, name or file content.
///
/// - ``tagLost(_:)``: the tag left the field or iOS ended the NFC session; call
///   ``MonidReader/read(transport:)`` again with a fresh transport (the same reader resumes).
/// - ``wrongAccessKey(_:)``: the CAN, PIN or MRZ does not open this document.
/// - ``cancelled(_:)``: ``MonidReader/cancel()``, the calling task was cancelled, or the user
///   dismissed the NFC sheet.
/// - ``nfcUnavailable(_:)``: the NFC reader itself could not run or iOS ended its session for
///   a reason other than the user or its time limit (no NFC on this device, system busy,
///   session terminated unexpectedly, missing entitlement): holding the card again does not help.
/// - ``internal(_:)``: a library bug, or a callback (transport) that threw an undeclared error.
public enum MonidReaderError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The link dropped; resumable.
    case tagLost(String)
    /// The access key does not open this chip.
    case wrongAccessKey(String)
    /// The document offers nothing this version can use.
    case unsupportedDocument(String)
    /// The read was cancelled.
    case cancelled(String)
    /// The chip or the link did not answer in time.
    case timeout(String)
    /// The chip broke the protocol.
    case chipMisbehaved(String)
    /// The caller's input (access key, options) is invalid.
    case invalidInput(String)
    /// The platform's NFC reader could not run or iOS ended its session (see the list above);
    /// raised by the Swift shell (``CoreNFCReadSession``), never by the core.
    case nfcUnavailable(String)
    /// A library bug or resource failure, or a callback that failed unexpectedly.
    case `internal`(String)

    /// Maps the generated binding's `MonidError` (or anything else) to this enum.
    public init(_ error: any Error) {
        switch error {
        case let e as MonidReaderError:
            self = e
        case let e as MonidError:
            switch e {
            case .TagLost(let m): self = .tagLost(m)
            case .WrongAccessKey(let m): self = .wrongAccessKey(m)
            case .UnsupportedDocument(let m): self = .unsupportedDocument(m)
            case .Cancelled(let m): self = .cancelled(m)
            case .Timeout(let m): self = .timeout(m)
            case .ChipMisbehaved(let m): self = .chipMisbehaved(m)
            case .InvalidInput(let m): self = .invalidInput(m)
            case .Internal(let m): self = .internal(m)
            }
        case is CancellationError:
            self = .cancelled("the task was cancelled")
        default:
            // uniffi's internal errors (a Rust panic caught at the boundary) and anything else:
            // the type name only, never the value.
            self = .internal("unexpected failure: \(type(of: error))")
        }
    }

    /// The kind, as the core names it (``nfcUnavailable(_:)``, which the core does not know, is
    /// `.internal`).
    public var kind: ErrorKind {
        switch self {
        case .tagLost: return .tagLost
        case .wrongAccessKey: return .wrongAccessKey
        case .unsupportedDocument: return .unsupportedDocument
        case .cancelled: return .cancelled
        case .timeout: return .timeout
        case .chipMisbehaved: return .chipMisbehaved
        case .invalidInput: return .invalidInput
        // The core has no kind for the platform's reader: the nearest is "internal".
        case .nfcUnavailable: return .internal
        case .internal: return .internal
        }
    }

    /// The message (safe to log).
    public var message: String {
        switch self {
        case .tagLost(let m), .wrongAccessKey(let m), .unsupportedDocument(let m),
            .cancelled(let m), .timeout(let m), .chipMisbehaved(let m), .invalidInput(let m),
            .nfcUnavailable(let m), .internal(let m):
            return m
        }
    }

    /// True when calling `read` again with a fresh transport may finish the document.
    public var isResumable: Bool {
        switch self {
        case .tagLost, .timeout: return true
        default: return false
        }
    }

    public var description: String {
        if case .nfcUnavailable = self { return "MonidReaderError.nfcUnavailable: \(message)" }
        return "MonidReaderError.\(kind): \(message)"
    }
}
