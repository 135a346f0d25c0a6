package org.monid.android

import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import java.io.IOException
import uniffi.monid.NfcTransport
import uniffi.monid.TransportException
import uniffi.monid.TransportInfo

/**
 * [NfcTransport] over Android's [IsoDep] (ISO 14443-4).
 *
 * `transceive` is blocking and is called by the Rust core on the reading thread
 * ([org.monid.MonidReader] runs it on `Dispatchers.IO`), never on the main thread.
 *
 * - Timeouts: [timeoutMs] for ordinary commands; GENERAL AUTHENTICATE (PACE, chip
 *   authentication: INS 86) and INTERNAL AUTHENTICATE (active authentication: INS 88) run
 *   elliptic-curve or RSA operations on the chip and get at least 5 s ([authTimeoutMs]).
 * - Extended length: [IsoDep.isExtendedLengthApduSupported] says whether the phone's NFC stack
 *   carries extended APDUs; [IsoDep.getMaxTransceiveLength] bounds command and response. The
 *   core also checks the chip's own limits (EF.ATR/INFO) and steps down when refused.
 * - [TagLostException] (and any I/O error once the tag is disconnected) becomes
 *   `TransportException.TagLost`: the same reader resumes with a fresh `IsoDep` after the
 *   user presents the document again.
 *
 * Reader mode (recommended over foreground dispatch): enable it with `NfcAdapter.FLAG_READER_NFC_A
 * or FLAG_READER_NFC_B or FLAG_READER_SKIP_NDEF_CHECK` and a presence-check delay
 * (`NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY`) of a few seconds (see [NfcReaderMode]):
 * Android otherwise pings the tag every 125 ms, and on some phones that ping collides with a
 * long chip operation (PACE, active authentication) and the tag is reported lost.
 *
 * @param isoDep the tag technology; connected by [connect] if not already.
 */
class IsoDepTransport @JvmOverloads constructor(
    private val isoDep: IsoDep,
    private val timeoutMs: Int = 2_000,
    authTimeoutMs: Int = 5_000,
) : NfcTransport {
    private val authTimeoutMs: Int = maxOf(authTimeoutMs, MIN_AUTH_TIMEOUT_MS)

    /** Connects the tag if needed and sets the ordinary timeout. */
    @Throws(TransportException::class)
    fun connect() {
        try {
            if (!isoDep.isConnected) isoDep.connect()
            isoDep.timeout = timeoutMs
        } catch (e: TagLostException) {
            throw TransportException.TagLost()
        } catch (e: IOException) {
            throw TransportException.Io("connect failed: ${e.javaClass.simpleName}")
        }
    }

    override fun info(): TransportInfo {
        val max = try {
            isoDep.maxTransceiveLength
        } catch (e: RuntimeException) {
            SHORT_APDU_MAX
        }.coerceAtLeast(SHORT_APDU_MAX)
        return TransportInfo(
            maxCommandLength = max.toUInt(),
            maxResponseLength = max.toUInt(),
            extendedLength = isoDep.isExtendedLengthApduSupported,
        )
    }

    override fun transceive(apdu: ByteArray): ByteArray {
        val slow = apdu.size >= 2 && (apdu[1] == INS_GENERAL_AUTHENTICATE || apdu[1] == INS_INTERNAL_AUTHENTICATE)
        try {
            if (!isoDep.isConnected) connect()
            if (slow) isoDep.timeout = authTimeoutMs
            return isoDep.transceive(apdu)
        } catch (e: TagLostException) {
            throw TransportException.TagLost()
        } catch (e: IOException) {
            // IsoDep reports a vanished tag as a plain IOException on some phones.
            if (!isoDep.isConnected) throw TransportException.TagLost()
            throw TransportException.Io("transceive failed: ${e.javaClass.simpleName}")
        } catch (e: SecurityException) {
            // The Tag object is stale (another tag was discovered since).
            throw TransportException.TagLost()
        } finally {
            if (slow) {
                try {
                    isoDep.timeout = timeoutMs
                } catch (_: RuntimeException) {
                }
            }
        }
    }

    companion object {
        /** The smallest timeout used around GENERAL / INTERNAL AUTHENTICATE. */
        const val MIN_AUTH_TIMEOUT_MS = 5_000
        private const val SHORT_APDU_MAX = 261
        private const val INS_GENERAL_AUTHENTICATE: Byte = 0x86.toByte()
        private const val INS_INTERNAL_AUTHENTICATE: Byte = 0x88.toByte()
    }
}
