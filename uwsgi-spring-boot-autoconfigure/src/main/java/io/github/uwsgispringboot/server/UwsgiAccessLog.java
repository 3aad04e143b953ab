package io.github.uwsgispringboot.server;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;

/**
 * Writes one line per request, in the combined log format of nginx and Apache followed by the
 * duration, to the logger {@value #LOGGER_NAME} at INFO. The client is the one the proxy saw
 * ({@code REMOTE_ADDR}), the request line is the client's ({@code SERVER_PROTOCOL}):
 * <pre>
 * 203.0.113.9 - - [24/Nov/2026:21:41:10 +0000] "GET /orders?page=2 HTTP/2.0" 200 5120 "-" "curl/8.5.0" 3 ms
 * </pre>
 */
public class UwsgiAccessLog implements UwsgiServerListener {

	/** Name of the logger the lines go to. */
	public static final String LOGGER_NAME = "uwsgi.access";

	private static final Log logger = LogFactory.getLog(LOGGER_NAME);

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

	@Override
	public void exchangeCompleted(UwsgiExchange exchange) {
		if (logger.isInfoEnabled()) {
			logger.info(format(exchange, ZonedDateTime.now(ZoneId.systemDefault())));
		}
	}

	static String format(UwsgiExchange exchange, ZonedDateTime time) {
		UwsgiRequest request = exchange.request();
		StringBuilder line = new StringBuilder(160);
		line.append(client(request)).append(" - - [").append(TIME.format(time)).append("] \"");
		if (request != null) {
			line.append(request.method()).append(' ').append(request.uri()).append(' ')
				.append(orDash(request.vars().get("SERVER_PROTOCOL")));
		}
		else {
			line.append('-');
		}
		line.append("\" ").append(exchange.status()).append(' ').append(exchange.bytesSent());
		line.append(" \"").append(orDash(header(request, "Referer"))).append("\" \"")
			.append(orDash(header(request, "User-Agent"))).append("\" ")
			.append(exchange.duration().toMillis()).append(" ms");
		return line.toString();
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

}
