package org.monid

import java.util.concurrent.atomic.AtomicInteger
import uniffi.monid.NfcTransport
import uniffi.monid.TransportException
import uniffi.monid.TransportInfo
import uniffi.monid.VirtualCard

/**
 * The tests' transport, written in Kotlin: it forwards each APDU to the virtual card's
 * `process`, counts APDUs and lets a test inject a fault before an APDU is sent.
 */
class ForwardingTransport(
    private val card: VirtualCard,
    /** Called with the 0-based index of each APDU before it is sent; may throw. */
    private val beforeSend: (Int) -> Unit = {},
) : NfcTransport {
    private val count = AtomicInteger(0)

    /** APDUs this transport delivered to the card (not counting ones it refused). */
    val apdus: Int get() = count.get()

    override fun transceive(apdu: ByteArray): ByteArray {
        beforeSend(count.get())
        count.incrementAndGet()
        return card.process(apdu)
    }

    override fun info(): TransportInfo = card.info()
}

/** A transport that throws [TransportException.TagLost] once [lose] returns true. */
class LosingTransport(private val card: VirtualCard, private val lose: () -> Boolean) : NfcTransport {
    private val count = AtomicInteger(0)
    private val tries = AtomicInteger(0)

    /** APDUs delivered to the card. */
    val apdus: Int get() = count.get()

    /** Calls of transceive, including the ones refused with TagLost. */
    val attempts: Int get() = tries.get()

    override fun transceive(apdu: ByteArray): ByteArray {
        tries.incrementAndGet()
        if (lose()) throw TransportException.TagLost()
        count.incrementAndGet()
        return card.process(apdu)
    }

    override fun info(): TransportInfo = card.info()
}

/**
 * A transport built like `org.monid.android.IsoDepTransport` (which needs `android.*`): whatever
 * the "platform" ([platform], called with the 0-based index of each APDU before it is sent)
 * throws leaves through [org.monid.android.IsoDepSupport.failure], the shipped mapping, which
 * turns an `InterruptedException` into `TransportException.Cancelled` and re-interrupts the
 * thread itself (so the shell's guard never sees the `InterruptedException`).
 */
class IsoDepLikeTransport(
    private val card: VirtualCard,
    private val platform: (Int) -> Unit = {},
) : NfcTransport {
    private val count = AtomicInteger(0)

    /** APDUs delivered to the card. */
    val apdus: Int get() = count.get()

    /** The mapped failure thrown last, and whether the thread was interrupted as it left. */
    @Volatile
    var thrown: TransportException? = null
        private set

    @Volatile
    var interruptedWhenThrown = false
        private set

    override fun transceive(apdu: ByteArray): ByteArray = try {
        platform(count.get())
        count.incrementAndGet()
        card.process(apdu)
    } catch (t: Throwable) {
        val e = org.monid.android.IsoDepSupport.failure(t, org.monid.android.IsoDepSupport.STEP_TRANSCEIVE) { true }
        thrown = e
        interruptedWhenThrown = Thread.currentThread().isInterrupted
        throw e
    }

    override fun info(): TransportInfo = card.info()
}
