package io.github.uwsgispringboot.protocol;

import java.time.Duration;

/**
 * A request served by a uwsgi server (Netty or Tomcat) and the response it got.
 *
 * @param transport {@code tcp} or {@code unix}
 * @param request the request, or {@code null} when the packet was refused before it could be read
 * @param status the response status
 * @param bytesReceived bytes of request body received
 * @param bytesSent bytes of response body sent
 * @param duration from the request's arrival to the end of the response
 */
public record UwsgiExchange(String transport, UwsgiRequest request, int status, long bytesReceived,
		long bytesSent, Duration duration) {

	/** Transport of a TCP listener. */
	public static final String TCP = "tcp";

	/** Transport of a unix socket listener. */
	public static final String UNIX = "unix";

}
