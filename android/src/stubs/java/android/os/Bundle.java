// COMPILE-ONLY STUB of the Android API (see ../nfc/Tag.java).
package android.os;

public final class Bundle {
    public Bundle() { throw new RuntimeException("Stub!"); }
    public void putInt(String key, int value) { throw new RuntimeException("Stub!"); }
}
