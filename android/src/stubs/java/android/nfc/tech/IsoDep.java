// COMPILE-ONLY STUB of the Android API (see ../Tag.java).
package android.nfc.tech;

import android.nfc.Tag;
import java.io.IOException;

public final class IsoDep {
    private IsoDep() { throw new RuntimeException("Stub!"); }
    public static IsoDep get(Tag tag) { throw new RuntimeException("Stub!"); }
    public Tag getTag() { throw new RuntimeException("Stub!"); }
    public void connect() throws IOException { throw new RuntimeException("Stub!"); }
    public void close() throws IOException { throw new RuntimeException("Stub!"); }
    public boolean isConnected() { throw new RuntimeException("Stub!"); }
    public void setTimeout(int timeout) { throw new RuntimeException("Stub!"); }
    public int getTimeout() { throw new RuntimeException("Stub!"); }
    public int getMaxTransceiveLength() { throw new RuntimeException("Stub!"); }
    public boolean isExtendedLengthApduSupported() { throw new RuntimeException("Stub!"); }
    public byte[] transceive(byte[] data) throws IOException { throw new RuntimeException("Stub!"); }
}
