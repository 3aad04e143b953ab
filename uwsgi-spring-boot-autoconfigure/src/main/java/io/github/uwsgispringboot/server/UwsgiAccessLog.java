package io.github.uwsgispringboot.server;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.BiConsumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.ClassUtils;

import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;

/**
 * Writes one line per request to the logger {@value #LOGGER_NAME} at INFO, in one of three
 * {@link Format formats}. The client is the one the proxy saw ({@code REMOTE_ADDR}), the request
 * line is the client's ({@code SERVER_PROTOCOL}). The combined log format of nginx and Apache,
 * followed by the duration:
 * <pre>
 * 203.0.113.9 - - [24/Nov/2026:21:41:10 +0000] "GET /orders?page=2 HTTP/2.0" 200 5120 "-" "curl/8.5.0" 3 ms
 * </pre>
 * The JSON line and the structured fields carry the same values under the names of the Elastic
 * Common Schema, listed in {@link #fields(UwsgiExchange, boolean, BiConsumer)}.
 */
public class UwsgiAccessLog implements UwsgiServerListener {

	/** Name of the logger the lines go to. */
	public static final String LOGGER_NAME = "uwsgi.access";

	private static final Log logger = LogFactory.getLog(LOGGER_NAME);

	private static final DateTimeFormatter COMBINED_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z",
			Locale.US);

	private static final DateTimeFormatter JSON_TIME = DateTimeFormatter
		.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
		.withZone(ZoneOffset.UTC);

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final Format format;

	/**
	 * Create an access log in the combined log format.
	 */
	public UwsgiAccessLog() {
		this(Format.COMBINED);
	}

	/**
	 * Create an access log in the given format.
	 * @param format the format of each line
	 * @throws IllegalStateException for {@link Format#STRUCTURED} without SLF4J
	 */
	public UwsgiAccessLog(Format format) {
		if (format == Format.STRUCTURED && !ClassUtils.isPresent("org.slf4j.spi.LoggingEventBuilder",
				UwsgiAccessLog.class.getClassLoader())) {
			throw new IllegalStateException("The structured uwsgi access log needs SLF4J 2 (spring-boot-starter-logging)");
		}
		this.format = format;
	}

	@Override
	public void exchangeCompleted(UwsgiExchange exchange) {
		write(exchange, false);
	}

	/**
	 * Log a response cut short as a completed one, marked: {@code cut} after the duration in the
	 * combined format, {@code "event.outcome":"failure"} in the others.
	 */
	@Override
	public void exchangeFailed(UwsgiExchange exchange) {
		write(exchange, true);
	}

	private void write(UwsgiExchange exchange, boolean cut) {
		switch (this.format) {
			case COMBINED -> {
				if (logger.isInfoEnabled()) {
					logger.info(combined(exchange, ZonedDateTime.now(ZoneId.systemDefault()), cut));
				}
			}
			case JSON -> {
				if (logger.isInfoEnabled()) {
					logger.info(json(exchange, Instant.now(), cut));
				}
			}
			case STRUCTURED -> StructuredAccessLog.log(exchange, cut);
		}
	}

	/**
	 * Return the line of an exchange in the combined log format plus the duration. Quotes,
	 * backslashes, control characters and bytes beyond ASCII in the request line, the referer and
	 * the user agent are written as {@code \xHH}, as nginx does, so that a line is always one line.
	 */
	static String combined(UwsgiExchange exchange, ZonedDateTime time, boolean cut) {
		UwsgiRequest request = exchange.request();
		StringBuilder line = new StringBuilder(160);
		line.append(client(request)).append(" - - [").append(COMBINED_TIME.format(time)).append("] \"");
		if (request != null) {
			appendEscaped(line, request.method()).append(' ');
			appendEscaped(line, request.uri()).append(' ');
			appendEscaped(line, orDash(request.vars().get("SERVER_PROTOCOL")));
		}
		else {
			line.append('-');
		}
		line.append("\" ").append(exchange.status()).append(' ').append(exchange.bytesSent()).append(" \"");
		appendEscaped(line, orDash(header(request, "Referer"))).append("\" \"");
		appendEscaped(line, orDash(header(request, "User-Agent"))).append("\" ");
		line.append(exchange.duration().toMillis()).append(" ms");
		if (cut) {
			line.append(" cut");
		}
		return line.toString();
	}

	/**
	 * Return an exchange as one JSON object on one line: {@code @timestamp} (the time given, in
	 * UTC with milliseconds), then the {@link #fields fields}.
	 */
	static String json(UwsgiExchange exchange, Instant time, boolean cut) {
		StringBuilder json = new StringBuilder(320);
		json.append("{\"@timestamp\":\"").append(JSON_TIME.format(time)).append('"');
		fields(exchange, cut, (name, value) -> {
			json.append(",\"").append(name).append("\":");
			if (value instanceof Number) {
				json.append(value);
			}
			else {
				appendJsonString(json.append('"'), value.toString()).append('"');
			}
		});
		return json.append('}').toString();
	}

	/**
	 * Give the fields of an exchange, in this order, each named as in the Elastic Common Schema;
	 * those the request does not have (no request when the packet was refused before it was read,
	 * no User-Agent header ...) are left out:
	 * <table>
	 * <caption>Fields</caption>
	 * <tr><td>{@code client.address}</td><td>string</td><td>the client the proxy saw (REMOTE_ADDR)</td></tr>
	 * <tr><td>{@code http.request.method}</td><td>string</td><td>the method</td></tr>
	 * <tr><td>{@code url.original}</td><td>string</td><td>the request target as the client sent it (REQUEST_URI)</td></tr>
	 * <tr><td>{@code http.version}</td><td>string</td><td>the client's HTTP version, {@code 1.1}, {@code 2.0} (SERVER_PROTOCOL)</td></tr>
	 * <tr><td>{@code http.response.status_code}</td><td>number</td><td>the status</td></tr>
	 * <tr><td>{@code http.response.body.bytes}</td><td>number</td><td>bytes of response body sent</td></tr>
	 * <tr><td>{@code http.request.body.bytes}</td><td>number</td><td>bytes of request body received</td></tr>
	 * <tr><td>{@code event.duration}</td><td>number</td><td>nanoseconds from the request's arrival to the end of the response</td></tr>
	 * <tr><td>{@code network.transport}</td><td>string</td><td>{@code tcp} or {@code unix}</td></tr>
	 * <tr><td>{@code user_agent.original}</td><td>string</td><td>the User-Agent header</td></tr>
	 * <tr><td>{@code http.request.referrer}</td><td>string</td><td>the Referer header</td></tr>
	 * <tr><td>{@code event.outcome}</td><td>string</td><td>{@code failure} for a response cut short
	 * (see {@link UwsgiServerListener#exchangeFailed}); absent for a response sent whole</td></tr>
	 * </table>
	 */
	static void fields(UwsgiExchange exchange, boolean cut, BiConsumer<String, Object> field) {
		UwsgiRequest request = exchange.request();
		if (request != null && request.remoteAddress() != null) {
			field.accept("client.address", request.remoteAddress().getAddress().getHostAddress());
		}
		if (request != null) {
			field.accept("http.request.method", request.method());
			field.accept("url.original", text(request.uri()));
			String protocol = request.vars().get("SERVER_PROTOCOL");
			if (protocol != null && !protocol.isEmpty()) {
				field.accept("http.version", protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol);
			}
		}
		field.accept("http.response.status_code", exchange.status());
		field.accept("http.response.body.bytes", exchange.bytesSent());
		field.accept("http.request.body.bytes", exchange.bytesReceived());
		field.accept("event.duration", exchange.duration().toNanos());
		field.accept("network.transport", exchange.transport());
		String userAgent = header(request, "User-Agent");
		if (userAgent != null) {
			field.accept("user_agent.original", text(userAgent));
		}
		String referer = header(request, "Referer");
		if (referer != null) {
			field.accept("http.request.referrer", text(referer));
		}
		if (cut) {
			field.accept("event.outcome", "failure");
		}
	}

	private static String client(UwsgiRequest request) {
		if (request == null || request.remoteAddress() == null) {
			return "-";
		}
		return request.remoteAddress().getAddress().getHostAddress();
	}

	private static String header(UwsgiRequest request, String name) {
		return (request != null) ? request.header(name) : null;
	}

	private static String orDash(String value) {
		return (value == null || value.isEmpty()) ? "-" : value;
	}

	private static StringBuilder appendEscaped(StringBuilder line, String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
				// one char per byte: vars are read as ISO-8859-1
				line.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
			}
			else {
				line.append(c);
			}
		}
		return line;
	}

	/**
	 * Return a var's value as text: its bytes (one char per byte, as vars are read) decoded as
	 * UTF-8 when they are valid UTF-8, as clients send non-ASCII header values, else unchanged.
	 */
	static String text(String value) {
		boolean ascii = true;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c > 0xff) {
				return value;
			}
			ascii &= c < 0x80;
		}
		if (ascii) {
			return value;
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.decode(ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return value;
		}
	}

	/**
	 * Append a value as the inside of a JSON string: quote and backslash escaped, and every
	 * character outside printable ASCII as {@code \}{@code uXXXX}, so that the line is the same
	 * whatever the charset of the log's output.
	 */
	private static StringBuilder appendJsonString(StringBuilder json, String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20 || c > 0x7e) {
						json.append("\\u")
							.append(HEX[(c >> 12) & 0xf])
							.append(HEX[(c >> 8) & 0xf])
							.append(HEX[(c >> 4) & 0xf])
							.append(HEX[c & 0xf]);
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json;
	}

	/**
	 * How each request is written.
	 */
	public enum Format {

		/**
		 * The combined log format of nginx and Apache, followed by the duration in milliseconds.
		 */
		COMBINED,

		/**
		 * One JSON object per line as the message, for a log file read by a log pipeline.
		 */
		JSON,

		/**
		 * The fields as key-value pairs of the log event (SLF4J), for Spring Boot's structured
		 * logging (logging.structured.format.*: ECS, Logstash, GELF), with the combined line as
		 * the message.
		 */
		STRUCTURED

	}

	/**
	 * The SLF4J side of {@link Format#STRUCTURED}, apart so that the other formats need no SLF4J.
	 */
	private static final class StructuredAccessLog {

		private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(LOGGER_NAME);

		static void log(UwsgiExchange exchange, boolean cut) {
			if (!logger.isInfoEnabled()) {
				return;
			}
			org.slf4j.spi.LoggingEventBuilder event = logger.atInfo();
			fields(exchange, cut, event::addKeyValue);
			event.log(combined(exchange, ZonedDateTime.now(ZoneId.systemDefault()), cut));
		}

	}

}
