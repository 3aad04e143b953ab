package io.github.uwsgispringboot.server;

import java.security.cert.X509Certificate;

import org.springframework.http.server.reactive.SslInfo;

import io.github.uwsgispringboot.protocol.UwsgiClientCertificates;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * The client's TLS session at the proxy, as the proxy forwarded it: {@code SSL_SESSION_ID} and
 * the client certificate as {@link UwsgiClientCertificates} reads it (the Tomcat connector reads
 * it the same way).
 */
final class UwsgiSslInfo implements SslInfo {

	private final String sessionId;

	private final X509Certificate[] peerCertificates;

	private UwsgiSslInfo(String sessionId, X509Certificate[] peerCertificates) {
		this.sessionId = sessionId;
		this.peerCertificates = peerCertificates;
	}

	static UwsgiSslInfo from(UwsgiVars vars) {
		String sessionId = vars.get("SSL_SESSION_ID");
		return new UwsgiSslInfo((sessionId != null && !sessionId.isEmpty()) ? sessionId : null,
				UwsgiClientCertificates.read(vars));
	}

	@Override
	public String getSessionId() {
		return this.sessionId;
	}

	@Override
	public X509Certificate[] getPeerCertificates() {
		return this.peerCertificates;
	}

}
