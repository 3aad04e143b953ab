package io.github.uwsgispringboot.demo.mvc;

/**
 * The bytes the download endpoints serve: a fixed pattern, so that a client can check every byte
 * it received. The same pattern as the WebFlux demo's, so that the same end-to-end checks apply.
 */
public final class DemoContent {

	/** Size of the downloads: 5 MiB. */
	public static final int DOWNLOAD_SIZE = 5 * 1024 * 1024;

	/** Bytes of the download {@code /download/fails-midway} sends before it fails: 256 KiB. */
	public static final int BYTES_BEFORE_FAILURE = 256 * 1024;

	private DemoContent() {
	}

	/**
	 * Return the byte at {@code position} of a download.
	 * @param position the offset in the download
	 * @return the byte
	 */
	public static byte byteAt(long position) {
		return (byte) ((position * 31 + position / 1021) & 0xFF);
	}

	/**
	 * Return {@code length} bytes of the download starting at {@code position}.
	 * @param position the offset of the first byte
	 * @param length how many bytes
	 * @return the bytes
	 */
	public static byte[] bytes(long position, int length) {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			bytes[i] = byteAt(position + i);
		}
		return bytes;
	}

}
