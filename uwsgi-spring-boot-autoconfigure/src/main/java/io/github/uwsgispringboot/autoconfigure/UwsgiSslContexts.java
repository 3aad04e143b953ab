package io.github.uwsgispringboot.autoconfigure;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * Builds the TLS context of the uwsgi listener from a Spring Boot SSL bundle.
 */
final class UwsgiSslContexts {

	private UwsgiSslContexts() {
	}

	/**
	 * Return the TLS context {@code uwsgi.ssl.*} asks for.
	 * @return the context, or {@code null} when no bundle is set
	 */
	static SslContext fromProperties(UwsgiProperties.Ssl ssl, ObjectProvider<SslBundles> sslBundles) {
		if (ssl.getBundle() == null || ssl.getBundle().isBlank()) {
			return null;
		}
		SslBundles bundles = sslBundles.getIfAvailable();
		if (bundles == null) {
			throw new IllegalStateException(
					"uwsgi.ssl.bundle is set to '" + ssl.getBundle() + "' but the application has no SSL bundles");
		}
		return build(bundles.getBundle(ssl.getBundle()), ssl.getClientAuth());
	}

	static SslContext build(SslBundle bundle, UwsgiProperties.ClientAuth clientAuth) {
		SslContextBuilder builder = SslContextBuilder.forServer(bundle.getManagers().getKeyManagerFactory())
			.trustManager(bundle.getManagers().getTrustManagerFactory())
			.clientAuth(switch (clientAuth) {
				case NONE -> ClientAuth.NONE;
				case WANT -> ClientAuth.OPTIONAL;
				case NEED -> ClientAuth.REQUIRE;
			});
		SslOptions options = bundle.getOptions();
		if (options.getEnabledProtocols() != null) {
			builder.protocols(options.getEnabledProtocols());
		}
		if (options.getCiphers() != null) {
			builder.ciphers(SslOptions.asSet(options.getCiphers()));
		}
		try {
			return builder.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Cannot build the TLS context of uwsgi.ssl.bundle: " + ex.getMessage(), ex);
		}
	}

}
