package org.monid.android

import java.io.IOException
import uniffi.monid.TransportException
import uniffi.monid.TransportInfo

/**
 * The platform-independent part of [IsoDepTransport]: the timeout of each command, the link's
 * limits with conservative defaults, and the mapping of whatever the NFC stack throws to
 * [TransportException]. Nothing here touches `android.*`, so it runs (and is tested) on a plain
 * JVM.
 *
 * **Timeout rule** ([timeoutFor]): `base + transfer`, where
 * - `base` is the ordinary timeout, or at least [MIN_AUTH_TIMEOUT_MS] (5 s) for the commands
 *   that make the chip run public-key cryptography: GENERAL AUTHENTICATE (INS `86`: PACE, chip
 *   authentication v2, PACE-CAM), INTERNAL AUTHENTICATE (INS `88`: active authentication) and
 *   MSE:Set KAT (INS `22`, P1-P2 `41 A6`: chip authentication v1, whose key agreement the chip
 *   computes while answering it); any CLA (plain `00` or secure messaging `0C`, chained or not);
 * - `transfer` is [MS_PER_100_BYTES] ms per 100 bytes carried (command data Nc plus the expected
 *   response Ne, from Le: `00` means 256, `00 00` in an extended APDU means 65 536): the slowest
 *   ISO 14443 bit rate (106 kbit/s, 9 bits per byte on the air) with half of it left for block
 *   framing, chaining acknowledgements and the chip's waiting-time extensions, i.e. about
 *   6.6 KB/s. An extended READ BINARY of up to 64 KB therefore gets about 2 s + 10 s instead of
 *   the 2 s that only suits short APDUs. A lost tag is still reported at once (`TagLostException`),
 *   so a longer timeout only bounds a chip that stopped answering.
 */
object IsoDepSupport {
    /** The smallest timeout used around the slow commands (see the class doc). */
    const val MIN_AUTH_TIMEOUT_MS = 5_000

    /** Transfer allowance: milliseconds per 100 bytes carried (about 6.6 KB/s). */
    const val MS_PER_100_BYTES = 15

    /** The short-APDU limits assumed when the platform cannot tell (the core's defaults). */
    const val SHORT_COMMAND_MAX = 261
    const val SHORT_RESPONSE_MAX = 258

    private const val INS_GENERAL_AUTHENTICATE = 0x86
    private const val INS_INTERNAL_AUTHENTICATE = 0x88
    private const val INS_MSE = 0x22
    private const val P1P2_SET_KAT = 0x41A6

    /**
     * True for the commands that run public-key cryptography on the chip: GENERAL AUTHENTICATE,
     * INTERNAL AUTHENTICATE and MSE:Set KAT (see the class doc).
     */
    @JvmStatic
    fun isSlowCommand(apdu: ByteArray): Boolean {
        if (apdu.size < 4) return false
        val ins = apdu[1].toInt() and 0xFF
        val p1p2 = ((apdu[2].toInt() and 0xFF) shl 8) or (apdu[3].toInt() and 0xFF)
        return ins == INS_GENERAL_AUTHENTICATE || ins == INS_INTERNAL_AUTHENTICATE ||
            (ins == INS_MSE && p1p2 == P1P2_SET_KAT)
    }

    /**
     * The command data length Nc and the expected response length Ne of [apdu] (ISO/IEC 7816-3
     * cases 1 to 4, short and extended), as `Nc + Ne`; a malformed APDU counts its own length.
     */
    @JvmStatic
    fun bytesCarried(apdu: ByteArray): Int {
        val n = apdu.size
        if (n <= 4) return 0 // case 1 (or not an APDU)
        val b4 = apdu[4].toInt() and 0xFF
        if (n == 5) return if (b4 == 0) 256 else b4 // case 2 short
        if (b4 != 0) {
            // Short case 3 (5 + Lc) or 4 (5 + Lc + 1).
            return when (n) {
                5 + b4 -> b4
                6 + b4 -> b4 + ((apdu[n - 1].toInt() and 0xFF).takeIf { it != 0 } ?: 256)
                else -> n
            }
        }
        // Extended: 00 then two bytes.
        if (n < 7) return n
        val ext = ((apdu[5].toInt() and 0xFF) shl 8) or (apdu[6].toInt() and 0xFF)
        if (n == 7) return if (ext == 0) 65_536 else ext // case 2 extended
        if (ext == 0) return n
        return when (n) {
            7 + ext -> ext // case 3 extended
            9 + ext -> {
                val le = ((apdu[n - 2].toInt() and 0xFF) shl 8) or (apdu[n - 1].toInt() and 0xFF)
                ext + if (le == 0) 65_536 else le
            }
            else -> n
        }
    }

    /** The timeout for [apdu] (see the class doc), in milliseconds. */
    @JvmStatic
    fun timeoutFor(apdu: ByteArray, timeoutMs: Int, authTimeoutMs: Int): Int {
        val base = if (isSlowCommand(apdu)) maxOf(timeoutMs, authTimeoutMs, MIN_AUTH_TIMEOUT_MS) else timeoutMs
        val transfer = (bytesCarried(apdu).toLong() * MS_PER_100_BYTES + 99) / 100
        return (base.toLong() + transfer).coerceAtMost(Int.MAX_VALUE.toLong()).toInt()
    }

    /**
     * What the link carries, from the platform's answers; any failure (a stale tag throws
     * `SecurityException`, a closed one `IllegalStateException`) or an implausible answer gives
     * the short-APDU defaults. Extended length needs both the platform's yes and room for an
     * extended APDU.
     */
    @JvmStatic
    fun transportInfo(maxTransceiveLength: () -> Int, extendedLengthSupported: () -> Boolean): TransportInfo {
        val short = TransportInfo(
            maxCommandLength = SHORT_COMMAND_MAX.toUInt(),
            maxResponseLength = SHORT_RESPONSE_MAX.toUInt(),
            extendedLength = false,
        )
        return try {
            val max = maxTransceiveLength()
            if (max < SHORT_COMMAND_MAX) return short
            val extended = extendedLengthSupported() && max > SHORT_COMMAND_MAX
            TransportInfo(maxCommandLength = max.toUInt(), maxResponseLength = max.toUInt(), extendedLength = extended)
        } catch (_: Throwable) {
            short
        }
    }

    /**
     * Maps what the NFC stack threw during [step] ("connect", "transceive") to a
     * [TransportException] that never carries the platform's message (a stale tag's
     * `SecurityException` quotes the tag's UID):
     * - a [TransportException] passes through;
     * - `SecurityException` (the `Tag` is out of date: another tag was discovered since) and
     *   `IllegalStateException` (closed, or not connected) mean the tag is gone: `TagLost`;
     * - an [IOException] is `TagLost` when the tag is no longer connected ([stillConnected],
     *   itself guarded), or when [step] is "connect"; otherwise `Io("<step> failed: <class>")`;
     * - `InterruptedException` (the interrupt flag is restored) and
     *   `java.util.concurrent.CancellationException`: `Cancelled`;
     * - any other exception: `Io("<step> failed: <class>")`; anything else (an `Error`):
     *   `Unexpected(<fully qualified class name>)`, the class name ONLY: the Rust side keeps
     *   just the leading type name of an `Unexpected` reason (`exception_type`), so a step
     *   before it would replace the class (the read fails with
     *   `MonidError.Internal("transport callback failed unexpectedly: kotlin.NotImplementedError")`).
     * (`TagLostException` is an `IOException`: [IsoDepTransport] maps it to `TagLost` first.)
     */
    @JvmStatic
    fun failure(t: Throwable, step: String, stillConnected: () -> Boolean): TransportException = when (t) {
        is TransportException -> t
        is InterruptedException -> {
            Thread.currentThread().interrupt()
            TransportException.Cancelled()
        }
        is java.util.concurrent.CancellationException -> TransportException.Cancelled()
        is SecurityException, is IllegalStateException -> TransportException.TagLost()
        is IOException ->
            if (step == STEP_CONNECT || !guarded(stillConnected)) {
                TransportException.TagLost()
            } else {
                TransportException.Io("$step failed: ${className(t)}")
            }
        is Exception -> TransportException.Io("$step failed: ${className(t)}")
        else -> TransportException.Unexpected(t.javaClass.name)
    }

    internal const val STEP_CONNECT = "connect"
    internal const val STEP_TRANSCEIVE = "transceive"

    private fun guarded(f: () -> Boolean): Boolean = try {
        f()
    } catch (_: Throwable) {
        false
    }

    /** The class's simple name (never the message). */
    private fun className(t: Throwable): String = t.javaClass.simpleName.ifEmpty { t.javaClass.name }
}
