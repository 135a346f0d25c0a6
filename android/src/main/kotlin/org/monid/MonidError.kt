package org.monid

import uniffi.monid.MonidException

/**
 * What a read can fail with: one subclass per kind the core defines, so that a `when` over it
 * is exhaustive. Messages are safe to log (they name steps, fields and status words, never an
 * access key, MRZ, name or file content).
 *
 * - [TagLost]: the tag left the field; call [MonidReader.read] again with a fresh transport (the
 *   same reader resumes where it stopped).
 * - [WrongAccessKey]: the CAN, PIN or MRZ does not open this document.
 * - [Cancelled]: [MonidReader.cancel], or the calling coroutine was cancelled.
 * - [Internal]: a library bug, or a callback (transport) that threw an undeclared exception.
 */
sealed class MonidError(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** The link dropped; resumable. */
    class TagLost(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** The access key does not open this chip. */
    class WrongAccessKey(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** The document offers nothing this version can use. */
    class UnsupportedDocument(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** The read was cancelled. */
    class Cancelled(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** The chip or the link did not answer in time. */
    class Timeout(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** The chip broke the protocol. */
    class ChipMisbehaved(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** The caller's input (access key, options) is invalid. */
    class InvalidInput(message: String, cause: Throwable? = null) : MonidError(message, cause)

    /** A library bug or resource failure, or a callback that failed unexpectedly. */
    class Internal(message: String, cause: Throwable? = null) : MonidError(message, cause)

    companion object {
        /** Maps the generated binding's exception (or anything else) to this hierarchy. */
        @JvmStatic
        fun from(e: Throwable): MonidError = when (e) {
            is MonidError -> e
            is MonidException.TagLost -> TagLost(e.message ?: "tag lost", e)
            is MonidException.WrongAccessKey -> WrongAccessKey(e.message ?: "wrong access key", e)
            is MonidException.UnsupportedDocument ->
                UnsupportedDocument(e.message ?: "unsupported document", e)
            is MonidException.Cancelled -> Cancelled(e.message ?: "cancelled", e)
            is MonidException.Timeout -> Timeout(e.message ?: "timeout", e)
            is MonidException.ChipMisbehaved -> ChipMisbehaved(e.message ?: "chip misbehaved", e)
            is MonidException.InvalidInput -> InvalidInput(e.message ?: "invalid input", e)
            is MonidException.Internal -> Internal(e.message ?: "internal error", e)
            // uniffi's InternalException (a Rust panic caught at the boundary) and anything else.
            else -> Internal("unexpected failure: ${e.javaClass.simpleName}", e)
        }
    }
}
