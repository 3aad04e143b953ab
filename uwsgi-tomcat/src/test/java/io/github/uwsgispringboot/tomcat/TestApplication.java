package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Collections;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The application behind the connector in the tests: one path per behaviour.
 */
class TestApplication extends HttpServlet {

	private static final long serialVersionUID = 1L;

	@Override
	protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
		switch (request.getRequestURI()) {
			case "/upload" -> upload(request, response);
			case "/stream" -> stream(response);
			case "/reject" -> response.sendError(413);
			case "/async" -> async(request);
			case "/fail" -> fail(response);
			case "/tls" -> tls(request, response);
			case "/pid" -> pid(request, response);
			default -> describe(request, response);
		}
	}

	/** Every part of the request the application sees, one per line. */
	private void describe(HttpServletRequest request, HttpServletResponse response) throws IOException {
		StringBuilder text = new StringBuilder();
		text.append("method=").append(request.getMethod()).append('\n');
		text.append("uri=").append(request.getRequestURI()).append('\n');
		text.append("query=").append(request.getQueryString()).append('\n');
		text.append("param.b=").append(request.getParameter("b")).append('\n');
		text.append("protocol=").append(request.getProtocol()).append('\n');
		text.append("scheme=").append(request.getScheme()).append('\n');
		text.append("secure=").append(request.isSecure()).append('\n');
		text.append("server=").append(request.getServerName()).append(':').append(request.getServerPort()).append('\n');
		text.append("remote=").append(request.getRemoteAddr()).append(':').append(request.getRemotePort()).append('\n');
		text.append("remoteHost=").append(request.getRemoteHost()).append('\n');
		for (String name : Collections.list(request.getHeaderNames())) {
			text.append("header.").append(name.toLowerCase()).append('=')
				.append(String.join("|", Collections.list(request.getHeaders(name)))).append('\n');
		}
		text.append("PROXY_SECRET visible=").append(request.getHeader("PROXY_SECRET") != null).append('\n');
		response.setContentType("text/plain");
		response.setHeader("X-Bad", "a\r\nInjected: yes");
		response.getWriter().write(text.toString());
	}

	private void upload(HttpServletRequest request, HttpServletResponse response) throws IOException {
		byte[] body = request.getInputStream().readAllBytes();
		response.setContentType("text/plain");
		response.getWriter().write("received " + body.length + ": " + new String(body, StandardCharsets.ISO_8859_1));
	}

	/** A body of unknown length, flushed in parts: delimited by closing the connection. */
	private void stream(HttpServletResponse response) throws IOException {
		response.setContentType("text/event-stream");
		for (int i = 0; i < 3; i++) {
			response.getOutputStream().write(("data: " + i + "\n\n").getBytes(StandardCharsets.US_ASCII));
			response.flushBuffer();
			sleep(50);
		}
	}

	private void async(HttpServletRequest request) {
		AsyncContext async = request.startAsync();
		async.start(() -> {
			sleep(100);
			try {
				async.getResponse().setContentType("text/plain");
				async.getResponse().getWriter().write("answered from " + Thread.currentThread().getName());
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			async.complete();
		});
	}

	/** The client's TLS session as the application sees it. */
	private void tls(HttpServletRequest request, HttpServletResponse response) throws IOException {
		X509Certificate[] certificates = (X509Certificate[]) request
			.getAttribute("jakarta.servlet.request.X509Certificate");
		StringBuilder text = new StringBuilder();
		text.append("certificate=")
			.append((certificates != null) ? certificates[0].getSubjectX500Principal().getName() : null)
			.append('\n');
		for (String name : new String[] { "cipher_suite", "key_size", "ssl_session_id", "secure_protocol" }) {
			text.append(name).append('=').append(request.getAttribute("jakarta.servlet.request." + name)).append('\n');
		}
		response.setContentType("text/plain");
		response.getWriter().write(text.toString());
	}

	/** Which process answered, after {@code sleep} milliseconds. */
	private void pid(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String sleep = request.getParameter("sleep");
		if (sleep != null) {
			sleep(Long.parseLong(sleep));
		}
		response.setContentType("text/plain");
		response.getWriter().write("pid=" + ProcessHandle.current().pid());
	}

	/** The application fails after part of the body was sent. */
	private void fail(HttpServletResponse response) throws IOException {
		response.setContentType("text/plain");
		response.getOutputStream().write(new byte[100]);
		response.flushBuffer();
		throw new IllegalStateException("failed mid-response (expected by the test)");
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
