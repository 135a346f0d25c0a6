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
