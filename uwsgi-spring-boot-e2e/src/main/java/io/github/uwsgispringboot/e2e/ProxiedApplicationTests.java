package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every uwsgi client in front of a demo application must get right, whichever it is: the
 * end-to-end tests of nginx, Apache httpd and the uWSGI router run these besides their own, each
 * through its proxy over a unix socket and over TCP. The demo applications (WebFlux in
 * {@code demo-app}, Spring MVC in {@code demo-mvc-app}) serve the same paths with the same bodies:
 * <ul>
 * <li>{@code /download/bytes}, {@code /download/stream} and {@code /download/file}: the same
 * {@link #expectedDownload() download}, the first and the last with a Content-Length, the stream
 * without;
 * <li>{@code /path/{segment}?q=}: the decoded segment and query parameter and the raw path, as JSON;
 * <li>{@code /error-demo}: an exception, answered with Spring Boot's error response.
 * </ul>
 */
public abstract class ProxiedApplicationTests {

	protected final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	/**
	 * Return the URI of {@code path} at the proxy, in front of the given transport.
	 * @param transport how the proxy reaches the application
	 * @param path the path and query
	 * @return the URI a client asks
	 */
	protected abstract URI uri(Transport transport, String path);

	/**
	 * Return the bytes every download endpoint of the application serves.
	 * @return the download
	 */
	protected abstract byte[] expectedDownload();

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void downloadsOfFiveMegabytesArriveByteForByte(Transport transport) throws Exception {
		byte[] expected = expectedDownload();
		for (String path : List.of("/download/bytes", "/download/stream", "/download/file")) {
			HttpResponse<byte[]> response = this.client.send(get(transport, path), BodyHandlers.ofByteArray());
			assertThat(response.statusCode()).as(path).isEqualTo(200);
			assertThat(response.body().length).as(path).isEqualTo(expected.length);
			assertThat(Arrays.equals(response.body(), expected)).as(path + " content").isTrue();
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void knownLengthDownloadsCarryContentLength(Transport transport) throws Exception {
		for (String path : List.of("/download/bytes", "/download/file")) {
			HttpResponse<Void> response = this.client.send(get(transport, path), BodyHandlers.discarding());
			assertThat(response.headers().firstValueAsLong("Content-Length")).as(path)
				.hasValue(expectedDownload().length);
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void percentEncodedPathAndQueryAreDecodedOnce(Transport transport) throws Exception {
		Map<String, Object> seen = readMap(send(get(transport, "/path/caf%C3%A9%20au%20lait?q=%C3%A9t%C3%A9%26more")));
		assertThat(seen).containsEntry("segment", "café au lait")
			.containsEntry("q", "été&more")
			.containsEntry("rawPath", "/path/caf%C3%A9%20au%20lait");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void handlerExceptionIsSpringBootsErrorResponse(Transport transport) throws Exception {
		HttpResponse<String> response = send(get(transport, "/error-demo"));
		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(readMap(response)).containsEntry("status", 500).containsEntry("path", "/error-demo");
	}

	protected HttpRequest get(Transport transport, String path) {
		return HttpRequest.newBuilder(uri(transport, path)).timeout(Duration.ofSeconds(30)).build();
	}

	/**
	 * Return a POST of {@code body} as application/octet-stream to {@code path} at the proxy.
	 */
	protected HttpRequest.Builder post(Transport transport, String path, HttpRequest.BodyPublisher body) {
		return HttpRequest.newBuilder(uri(transport, path))
			.timeout(Duration.ofSeconds(60))
			.POST(body)
			.header("Content-Type", "application/octet-stream");
	}

	protected HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
		return this.client.send(request, BodyHandlers.ofString());
	}

}
