// COMPILE-ONLY STUB of the Android API (see Tag.java).
package android.nfc;

public class TagLostException extends java.io.IOException {
    public TagLostException() { throw new RuntimeException("Stub!"); }
    public TagLostException(String message) { throw new RuntimeException("Stub!"); }
}
