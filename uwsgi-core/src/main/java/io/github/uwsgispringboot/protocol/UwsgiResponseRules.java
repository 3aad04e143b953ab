package io.github.uwsgispringboot.protocol;

/**
 * What a response to a uwsgi peer may contain. The response is plain HTTP/1.1, but:
 * <ul>
 * <li>never {@code Transfer-Encoding: chunked}: no uwsgi client de-chunks, nginx copies chunk
 * markers into the client's body. A body without {@code Content-Length} is delimited by closing
 * the connection;</li>
 * <li>never a 1xx other than {@code 101}: nginx takes a {@code 100 Continue} for the final status.
 * nginx and Apache answer {@code Expect: 100-continue} themselves;</li>
 * <li>never a header with CR, LF or NUL in its name or value: Apache refuses them since
 * CVE-2023-27522, and they could split the response. Such a header is removed and the removal
 * logged;</li>
 * <li>no body for {@code HEAD}, {@code 204} and {@code 304}.</li>
 * </ul>
 */
public final class UwsgiResponseRules {

	private UwsgiResponseRules() {
	}

	/**
	 * Return whether a response with this status is never written.
	 * @param status the status code
	 * @return {@code true} for a 1xx other than {@code 101}
	 */
	public static boolean isDroppedStatus(int status) {
		return status >= 100 && status < 200 && status != 101;
	}

	/**
	 * Return whether a header is never written.
	 * @param name the header name
	 * @return {@code true} for {@code Transfer-Encoding}, in any case
	 */
	public static boolean isDroppedHeader(CharSequence name) {
		return "Transfer-Encoding".equalsIgnoreCase(name.toString());
	}

	/**
	 * Return whether a header name or value holds a character that must never be written.
	 * @param text a header name or value
	 * @return {@code true} when it holds CR, LF or NUL
	 */
	public static boolean isUnsafe(CharSequence text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '\r' || c == '\n' || c == 0) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return whether a response has a body.
	 * @param status the status code
	 * @param headRequest whether the request was a {@code HEAD}
	 * @return {@code false} for {@code HEAD}, 1xx, {@code 204} and {@code 304}
	 */
	public static boolean hasBody(int status, boolean headRequest) {
		return !headRequest && status >= 200 && status != 204 && status != 304;
	}

}
