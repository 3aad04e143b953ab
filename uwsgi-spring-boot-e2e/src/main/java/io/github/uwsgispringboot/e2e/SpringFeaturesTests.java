package io.github.uwsgispringboot.e2e;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.uwsgispringboot.e2e.EndToEnd.randomBytes;
import static io.github.uwsgispringboot.e2e.EndToEnd.readMap;
import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring features a user relies on, through a real nginx over uwsgi: a multipart upload streamed
 * to disk, form posts, response compression, and Spring Security's form login with CSRF and a
 * session cookie, at the root and mounted under {@code /app/} behind {@code HTTPS=on}. The demo
 * applications serve the same paths for it:
 * <ul>
 * <li>{@code /upload-to-disk}: a multipart file part written to disk, answered with its file name,
 * length and SHA-256;
 * <li>{@code /form}: the fields of a form post, as JSON;
 * <li>{@code /text}: 75 KB of text, {@code /json}: a small JSON object, with
 * {@code server.compression.enabled};
 * <li>{@code /secure/hello}: "Hello, NAME" for a user signed in with form login (user demo,
 * password demo), Spring Security on {@code /secure/**}, {@code /login} and {@code /logout} only.
 * </ul>
 * The application's nginx configuration has the locations of {@code demo-app/nginx/locations.conf}.
 */
public abstract class SpringFeaturesTests {

	private static final Pattern CSRF_INPUT = Pattern.compile("<input name=\"_csrf\" type=\"hidden\" value=\"([^\"]+)\"");

	// redirects are the subject of the tests: never followed, and cookies are kept by hand (see Session)
	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	/**
	 * Return the URI of {@code path} at nginx, in front of the given transport.
	 * @param transport how nginx reaches the application
	 * @param path the path and query
	 * @return the URI a client asks
	 */
	protected abstract URI uri(Transport transport, String path);

	/**
	 * Return the name of the session cookie: {@code SESSION} for WebFlux, {@code JSESSIONID} for a
	 * servlet container.
	 * @return the cookie name
	 */
	protected abstract String sessionCookie();

	/**
	 * Return the path of the session cookie of an application mounted under {@code prefix}: by
	 * default WebFlux's, the context path followed by a slash.
	 * @param prefix the mount prefix, empty at the root
	 * @return the cookie's path
	 */
	protected String sessionCookiePath(String prefix) {
		return prefix + "/";
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void fiftyMegabyteMultipartUploadIsStreamedToDiskIntact(Transport transport) throws Exception {
		byte[] file = randomBytes(50 * 1024 * 1024);
		String boundary = "e2e-boundary-" + System.nanoTime();
		HttpRequest request = request(transport, "/upload-to-disk")
			.timeout(Duration.ofSeconds(120))
			.header("Content-Type", "multipart/form-data; boundary=" + boundary)
			.POST(BodyPublishers.concat(
					BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
							+ "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
					BodyPublishers.ofByteArray(file), BodyPublishers.ofString("\r\n--" + boundary + "--\r\n")))
			.build();
		HttpResponse<String> response = send(request);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(readMap(response))
			.isEqualTo(Map.of("filename", "big.bin", "length", file.length, "sha256", sha256(file)));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void formPostArrivesFieldByFieldWithRepeatedNamesAndUtf8(Transport transport) throws Exception {
		String form = "name=" + encode("Zoë Ångström") + "&tag=a&tag=b&tag=c&note=" + encode("1 + 1 = 2 & done")
				+ "&empty=";
		HttpRequest request = request(transport, "/form")
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(BodyPublishers.ofString(form))
			.build();
		HttpResponse<String> response = send(request);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(readMap(response)).isEqualTo(Map.of("name", List.of("Zoë Ångström"), "tag", List.of("a", "b", "c"),
				"note", List.of("1 + 1 = 2 & done"), "empty", List.of("")));
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void largeTextIsGzipCompressedForClientsThatAcceptIt(Transport transport) throws Exception {
		HttpResponse<byte[]> plain = this.client.send(request(transport, "/text").build(), BodyHandlers.ofByteArray());
		assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();

		HttpResponse<byte[]> gzipped = this.client.send(
				request(transport, "/text").header("Accept-Encoding", "gzip").build(), BodyHandlers.ofByteArray());
		assertThat(gzipped.statusCode()).isEqualTo(200);
		assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
		assertThat(gzipped.body().length).isLessThan(plain.body().length / 10);
		assertThat(gunzip(gzipped.body())).isEqualTo(plain.body());

		// below server.compression.min-response-size (2 KB): sent as is
		HttpResponse<String> small = this.client.send(
				request(transport, "/json").header("Accept-Encoding", "gzip").build(), BodyHandlers.ofString());
		assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
		assertThat(readMap(small)).containsEntry("transport", "uwsgi");
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void formLoginWithCsrfUnderTheMountPrefixBehindHttps(Transport transport) throws Exception {
		signInAndOut(transport, "/app", true);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void formLoginWithCsrfAtTheRoot(Transport transport) throws Exception {
		signInAndOut(transport, "", false);
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	public void loginWithoutTheCsrfTokenIsForbidden(Transport transport) throws Exception {
		Session session = new Session();
		HttpResponse<String> page = session.send(page(transport, "/app/login"));
		assertThat(csrfToken(page)).isNotBlank();
		HttpResponse<String> login = session.send(postForm(transport, "/app/login", "username=demo&password=demo"));
		assertThat(login.statusCode()).isEqualTo(403);
		assertThat(login.headers().firstValue("Location")).isEmpty();
	}

	/**
	 * A browser's way through the secure area: redirected to the login page, signs in with the
	 * page's CSRF token, is sent back to where it wanted to go, signs out. Spring Security's
	 * redirects are paths that start with the context path; the client resolves them against the
	 * URL it used at nginx.
	 */
	private void signInAndOut(Transport transport, String prefix, boolean https) throws Exception {
		Session session = new Session();

		HttpResponse<String> secured = session.send(page(transport, prefix + "/secure/hello"));
		assertThat(secured.statusCode()).isEqualTo(302);
		assertThat(location(secured)).isEqualTo(prefix + "/login");
		assertThat(secured.uri().resolve(location(secured))).isEqualTo(uri(transport, prefix + "/login"));
		HttpCookie cookie = session.cookie(sessionCookie());
		assertThat(cookie.getSecure()).as("Secure, as the scheme nginx reported is https").isEqualTo(https);
		assertThat(cookie.isHttpOnly()).isTrue();
		assertThat(secured.headers().firstValue("Strict-Transport-Security").isPresent()).as("HSTS only over https")
			.isEqualTo(https);

		HttpResponse<String> page = session.send(page(transport, prefix + "/login"));
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.body()).contains("<form class=\"login-form\" method=\"post\" action=\"" + prefix + "/login\">");

		String anonymousSession = cookie.getValue();
		HttpResponse<String> login = session.send(postForm(transport, prefix + "/login",
				"username=demo&password=demo&_csrf=" + encode(csrfToken(page))));
		assertThat(login.statusCode()).as(login.body()).isEqualTo(302);
		// WebFlux redirects to the path; Spring Security's servlet side to the full URL of the saved
		// request, with ?continue
		assertThat(URI.create(location(login)).getPath()).isEqualTo(prefix + "/secure/hello");
		assertThat(session.cookie(sessionCookie()).getValue()).as("a new session id after login")
			.isNotEqualTo(anonymousSession);

		HttpResponse<String> hello = session.send(page(transport, pathAndQuery(location(login))));
		assertThat(hello.statusCode()).isEqualTo(200);
		assertThat(hello.body()).isEqualTo("Hello, demo\n");

		HttpResponse<String> logoutPage = session.send(page(transport, prefix + "/logout"));
		HttpResponse<String> logout = session.send(
				postForm(transport, prefix + "/logout", "_csrf=" + encode(csrfToken(logoutPage))));
		assertThat(logout.statusCode()).isEqualTo(302);
		assertThat(location(logout)).isEqualTo(prefix + "/login?logout");
		assertThat(session.send(page(transport, prefix + "/secure/hello")).statusCode()).isEqualTo(302);
		assertThat(cookie.getPath()).as("the session cookie's path").isEqualTo(sessionCookiePath(prefix));
	}

	private HttpRequest.Builder request(Transport transport, String path) {
		return HttpRequest.newBuilder(uri(transport, path)).timeout(Duration.ofSeconds(30));
	}

	/**
	 * A request as a browser behind a load balancer sends it.
	 */
	private HttpRequest.Builder page(Transport transport, String path) {
		return request(transport, path)
			// the client address for the /app/ location (uwsgi_param REMOTE_ADDR $http_x_real_ip)
			.header("X-Real-IP", "198.51.100.23")
			// Spring Security's request cache keeps only what a browser asked for
			.header("Accept", "text/html");
	}

	private HttpRequest.Builder postForm(Transport transport, String path, String form) {
		return page(transport, path).header("Content-Type", "application/x-www-form-urlencoded")
			.POST(BodyPublishers.ofString(form));
	}

	private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
		return this.client.send(request, BodyHandlers.ofString());
	}

	private static String location(HttpResponse<?> response) {
		return response.headers().firstValue("Location").orElseThrow();
	}

	private static String pathAndQuery(String location) {
		URI uri = URI.create(location);
		return (uri.getRawQuery() != null) ? uri.getRawPath() + "?" + uri.getRawQuery() : uri.getRawPath();
	}

	private static String csrfToken(HttpResponse<String> page) {
		Matcher input = CSRF_INPUT.matcher(page.body());
		assertThat(input.find()).as("a CSRF token in %s", page.body()).isTrue();
		return input.group(1);
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	private static byte[] gunzip(byte[] gzipped) throws IOException {
		try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
			return in.readAllBytes();
		}
	}

	/**
	 * A browser's cookie jar, by hand: the session cookie is {@code Secure} when nginx says
	 * {@code HTTPS=on}, and a {@code CookieManager} would then keep it from the test's plain-HTTP
	 * nginx.
	 */
	private final class Session {

		private final Map<String, HttpCookie> cookies = new LinkedHashMap<>();

		HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
			if (!this.cookies.isEmpty()) {
				request.header("Cookie", this.cookies.values()
					.stream()
					.map((cookie) -> cookie.getName() + "=" + cookie.getValue())
					.collect(Collectors.joining("; ")));
			}
			HttpResponse<String> response = SpringFeaturesTests.this.send(request.build());
			for (String header : response.headers().allValues("Set-Cookie")) {
				for (HttpCookie cookie : HttpCookie.parse(header)) {
					if (cookie.getMaxAge() == 0) {
						this.cookies.remove(cookie.getName());
					}
					else {
						this.cookies.put(cookie.getName(), cookie);
					}
				}
			}
			return response;
		}

		HttpCookie cookie(String name) {
			assertThat(this.cookies).containsKey(name);
			return this.cookies.get(name);
		}

	}

}
