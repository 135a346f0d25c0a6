package org.monid.android

import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import uniffi.monid.NfcTransport
import uniffi.monid.TransportException
import uniffi.monid.TransportInfo

/**
 * [NfcTransport] over Android's [IsoDep] (ISO 14443-4).
 *
 * `transceive` is blocking and is called by the Rust core on the reading thread
 * ([org.monid.MonidReader] runs it on `Dispatchers.IO`), never on the main thread. It connects
 * the tag when needed: an app only builds the transport and hands it to the reader.
 *
 * - Timeouts, set before each command ([IsoDepSupport.timeoutFor]): [timeoutMs] for ordinary
 *   commands, at least 5 s ([authTimeoutMs]) for the commands that run public-key cryptography
 *   on the chip (GENERAL AUTHENTICATE INS 86: PACE, chip authentication v2; INTERNAL
 *   AUTHENTICATE INS 88: active authentication; MSE:Set KAT INS 22 P1-P2 41A6: chip
 *   authentication v1), plus 15 ms per 100 bytes of command data and expected response (Le), so
 *   that an extended READ BINARY of up to 64 KB at 106 kbit/s gets about 10 s more.
 * - Extended length: [IsoDep.isExtendedLengthApduSupported] says whether the phone's NFC stack
 *   carries extended APDUs; [IsoDep.getMaxTransceiveLength] bounds command and response. If
 *   the platform cannot answer (a stale tag throws `SecurityException`), [info] reports a
 *   short-APDU link. The core also checks the chip's own limits (EF.ATR/INFO) and steps down
 *   when refused.
 * - Failures never carry the platform's message (a stale tag's `SecurityException` quotes its
 *   UID): [TagLostException], an I/O error once the tag is disconnected, a stale tag
 *   (`SecurityException`) and a closed one (`IllegalStateException`) become
 *   `TransportException.TagLost`, so the same reader resumes with a fresh `IsoDep` after the
 *   user presents the document again; other I/O errors `Io("transceive failed: <class>")`; see
 *   [IsoDepSupport.failure].
 *
 * Reader mode (recommended over foreground dispatch): enable it with `NfcAdapter.FLAG_READER_NFC_A
 * or FLAG_READER_NFC_B or FLAG_READER_SKIP_NDEF_CHECK` and a presence-check delay
 * (`NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY`) of a few seconds (see [NfcReaderMode]):
 * Android otherwise pings the tag every 125 ms, and on some phones that ping collides with a
 * long chip operation (PACE, active authentication) and the tag is reported lost.
 *
 * @param isoDep the tag technology; connected on the first `transceive` if not already.
 */
class IsoDepTransport @JvmOverloads constructor(
    private val isoDep: IsoDep,
    private val timeoutMs: Int = 2_000,
    authTimeoutMs: Int = IsoDepSupport.MIN_AUTH_TIMEOUT_MS,
) : NfcTransport {
    private val authTimeoutMs: Int = maxOf(authTimeoutMs, IsoDepSupport.MIN_AUTH_TIMEOUT_MS)

    /**
     * Connects the tag if needed and sets the ordinary timeout. Optional: `transceive` does it.
     *
     * @throws TransportException `TagLost` when the tag is gone (including a stale `Tag`),
     *   never with the platform's message.
     */
    @Throws(TransportException::class)
    fun connect() {
        try {
            ensureConnected()
            isoDep.timeout = timeoutMs
        } catch (e: TagLostException) {
            throw TransportException.TagLost()
        } catch (t: Throwable) {
            throw IsoDepSupport.failure(t, IsoDepSupport.STEP_CONNECT) { false }
        }
    }

    override fun info(): TransportInfo = IsoDepSupport.transportInfo(
        { isoDep.maxTransceiveLength },
        { isoDep.isExtendedLengthApduSupported },
    )

    override fun transceive(apdu: ByteArray): ByteArray {
        try {
            ensureConnected()
            // Set before every command (one local binder call): the platform resets it when the
            // tag is reconnected, possibly behind this transport's back.
            isoDep.timeout = IsoDepSupport.timeoutFor(apdu, timeoutMs, authTimeoutMs)
            return isoDep.transceive(apdu)
        } catch (e: TagLostException) {
            throw TransportException.TagLost()
        } catch (t: Throwable) {
            // IsoDep reports a vanished tag as a plain IOException on some phones.
            throw IsoDepSupport.failure(t, IsoDepSupport.STEP_TRANSCEIVE) { isoDep.isConnected }
        }
    }

    private fun ensureConnected() {
        if (!isoDep.isConnected) isoDep.connect()
    }

    companion object {
        /** The smallest timeout used around the slow commands ([IsoDepSupport.isSlowCommand]). */
        const val MIN_AUTH_TIMEOUT_MS = IsoDepSupport.MIN_AUTH_TIMEOUT_MS
    }
}
