package io.github.uwsgispringboot.tomcat;

import java.nio.charset.StandardCharsets;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiResponseRules;
import org.apache.coyote.Response;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.http.MimeHeaders;

/**
 * The status line and headers of a response to a uwsgi peer, as {@link UwsgiResponseRules} allow
 * them: no {@code Transfer-Encoding}, no header with CR, LF or NUL (removed and logged).
 */
final class ResponseHead {

	private static final Log log = LogFactory.getLog(ResponseHead.class);

	private ResponseHead() {
	}

	/**
	 * Encode the head of a response.
	 * @param response the committed response
	 * @return the status line, the headers and the empty line
	 */
	static byte[] encode(Response response) {
		int status = response.getStatus();
		StringBuilder head = new StringBuilder(256).append("HTTP/1.1 ").append(status).append(' ')
			.append(reasonPhrase(status)).append("\r\n");
		append(head, "Content-Type", response.getContentType());
		append(head, "Content-Language", response.getContentLanguage());
		long contentLength = response.getContentLengthLong();
		if (contentLength >= 0 && mayHaveContentLength(status)) {
			append(head, "Content-Length", Long.toString(contentLength));
		}
		MimeHeaders headers = response.getMimeHeaders();
		for (int i = 0; i < headers.size(); i++) {
			append(head, headers.getName(i).toString(), headers.getValue(i).toString());
		}
		return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
	}

	/** RFC 9110: a 1xx or 204 never has a {@code Content-Length} (the container sets one on a 101). */
	private static boolean mayHaveContentLength(int status) {
		return status >= 200 && status != 204;
	}

	/**
	 * Encode the answer to a refusal: its status, with the core's reason phrase, and no body.
	 * @param reason why the packet was refused
	 * @return the status line, an empty body's length and the empty line
	 */
	static byte[] refusal(UwsgiProtocolException.Reason reason) {
		return empty(reason.status(), reason.reasonPhrase());
	}

	/**
	 * Encode a response of {@code status} with no body.
	 * @param status the status
	 * @param reasonPhrase its reason phrase
	 * @return the status line, an empty body's length and the empty line
	 */
	static byte[] empty(int status, String reasonPhrase) {
		return ("HTTP/1.1 " + status + " " + reasonPhrase + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static void append(StringBuilder head, String name, String value) {
		if (value == null || UwsgiResponseRules.isDroppedHeader(name)) {
			return;
		}
		if (UwsgiResponseRules.isUnsafe(name) || UwsgiResponseRules.isUnsafe(value)) {
			log.warn("Removed response header '" + name.replaceAll("[\r\n\0]", "?")
					+ "': CR, LF or NUL in its name or value");
			return;
		}
		head.append(name).append(": ").append(value).append("\r\n");
	}

	static String reasonPhrase(int status) {
		return switch (status) {
			case 101 -> "Switching Protocols";
			case 200 -> "OK";
			case 201 -> "Created";
			case 202 -> "Accepted";
			case 203 -> "Non-Authoritative Information";
			case 204 -> "No Content";
			case 205 -> "Reset Content";
			case 206 -> "Partial Content";
			case 300 -> "Multiple Choices";
			case 301 -> "Moved Permanently";
			case 302 -> "Found";
			case 303 -> "See Other";
			case 304 -> "Not Modified";
			case 307 -> "Temporary Redirect";
			case 308 -> "Permanent Redirect";
			case 400 -> "Bad Request";
			case 401 -> "Unauthorized";
			case 403 -> "Forbidden";
			case 404 -> "Not Found";
			case 405 -> "Method Not Allowed";
			case 406 -> "Not Acceptable";
			case 408 -> "Request Timeout";
			case 409 -> "Conflict";
			case 410 -> "Gone";
			case 411 -> "Length Required";
			case 412 -> "Precondition Failed";
			case 413 -> "Content Too Large";
			case 414 -> "URI Too Long";
			case 415 -> "Unsupported Media Type";
			case 416 -> "Range Not Satisfiable";
			case 417 -> "Expectation Failed";
			case 422 -> "Unprocessable Content";
			case 428 -> "Precondition Required";
			case 429 -> "Too Many Requests";
			case 431 -> "Request Header Fields Too Large";
			case 500 -> "Internal Server Error";
			case 501 -> "Not Implemented";
			case 502 -> "Bad Gateway";
			case 503 -> "Service Unavailable";
			case 504 -> "Gateway Timeout";
			default -> "Status " + status;
		};
	}

}
