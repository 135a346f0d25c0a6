package org.monid.android

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import android.os.Bundle

/**
 * Enables NFC reader mode for identity documents on [activity] and hands each discovered
 * [IsoDep] tag to [onTag] (on a binder thread: start the read in a coroutine, do not block).
 *
 * Flags: NFC-A and NFC-B (passports and ID cards use either), NDEF check skipped (the chip has
 * no NDEF and the check costs time and can disturb it), platform sounds kept.
 *
 * Presence check: Android pings a tag in reader mode every 125 ms by default. A ping during a
 * slow chip operation (PACE, active authentication) can make some phones report the tag lost,
 * so the delay is raised to [presenceCheckDelayMs] (default 3 s) through
 * `NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY`. A lost tag is still detected by `transceive`.
 *
 * Call [enable] in `onResume` and [disable] in `onPause`.
 */
class NfcReaderMode @JvmOverloads constructor(
    private val activity: Activity,
    private val presenceCheckDelayMs: Int = 3_000,
    private val onTag: (IsoDep) -> Unit,
) {
    private val adapter: NfcAdapter? = NfcAdapter.getDefaultAdapter(activity)

    /** True when the device has NFC and it is turned on. */
    val available: Boolean get() = adapter?.isEnabled == true

    /** Starts reader mode. */
    fun enable() {
        val extras = Bundle()
        extras.putInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY, presenceCheckDelayMs)
        adapter?.enableReaderMode(
            activity,
            { tag: Tag -> IsoDep.get(tag)?.let(onTag) },
            NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or
                NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK,
            extras,
        )
    }

    /** Stops reader mode. */
    fun disable() {
        adapter?.disableReaderMode(activity)
    }
}
