package io.github.uwsgispringboot.autoconfigure;

import java.util.Arrays;
import java.util.List;

import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.Compression;
import org.springframework.core.env.Environment;
import org.springframework.util.MimeType;
import org.springframework.util.MimeTypeUtils;

import io.github.uwsgispringboot.server.UwsgiServerCustomizer;

/**
 * Applies {@code server.compression.*} to the uwsgi listener, as Spring Boot applies it to the HTTP
 * server: responses of the listed types from the minimum size, unless the user agent is excluded.
 */
final class UwsgiCompressionCustomizer implements UwsgiServerCustomizer {

	private final int minResponseSize;

	private final List<MimeType> mimeTypes;

	private final List<String> excludedUserAgents;

	/**
	 * Return the customizer {@code server.compression.*} asks for.
	 * @return the customizer, or {@code null} when compression is not enabled
	 */
	static UwsgiCompressionCustomizer fromEnvironment(Environment environment) {
		Compression compression = Binder.get(environment).bind("server.compression", Compression.class).orElse(null);
		return (compression != null && compression.getEnabled()) ? new UwsgiCompressionCustomizer(compression) : null;
	}

	UwsgiCompressionCustomizer(Compression compression) {
		this.minResponseSize = (int) compression.getMinResponseSize().toBytes();
		this.mimeTypes = Arrays.stream(compression.getMimeTypes()).map(MimeTypeUtils::parseMimeType).toList();
		this.excludedUserAgents = (compression.getExcludedUserAgents() != null)
				? List.of(compression.getExcludedUserAgents()) : List.of();
	}

	@Override
	public HttpServer apply(HttpServer server) {
		return server.compress(this.minResponseSize).compress(this::shouldCompress);
	}

	private boolean shouldCompress(HttpServerRequest request, HttpServerResponse response) {
		String userAgent = request.requestHeaders().get("User-Agent");
		if (userAgent != null && this.excludedUserAgents.stream().anyMatch(userAgent::contains)) {
			return false;
		}
		String contentType = response.responseHeaders().get("Content-Type");
		if (contentType == null) {
			return false;
		}
		MimeType type = MimeTypeUtils.parseMimeType(contentType);
		return this.mimeTypes.stream().anyMatch((candidate) -> candidate.isCompatibleWith(type));
	}

}
