package io.github.uwsgispringboot.server;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiSslInfo}.
 */
class UwsgiSslInfoTests {

	@Test
	void sessionIdComesFromTheVar() {
		UwsgiSslInfo info = UwsgiSslInfo.from(UwsgiVars.builder().add("SSL_SESSION_ID", "abc123").build());
		assertThat(info.getSessionId()).isEqualTo("abc123");
		assertThat(info.getPeerCertificates()).isNull();
	}

	@Test
	void noVarsMeansNoSessionIdAndNoCertificate() {
		UwsgiSslInfo info = UwsgiSslInfo.from(UwsgiVars.empty());
		assertThat(info.getSessionId()).isNull();
		assertThat(info.getPeerCertificates()).isNull();
	}

	@Test
	void certificateOfTheUwsgiRouterComesFromHttpsCc() throws Exception {
		String pem = TestCertificate.selfSigned("CN=router-client");
		UwsgiSslInfo info = UwsgiSslInfo.from(UwsgiVars.builder().add("HTTPS_CC", pem).build());
		assertThat(info.getPeerCertificates()[0].getSubjectX500Principal().getName()).isEqualTo("CN=router-client");
	}

	@Test
	void certificateThatIsNotPemIsIgnored() {
		UwsgiSslInfo info = UwsgiSslInfo.from(UwsgiVars.builder().add("SSL_CLIENT_CERT", "not a certificate").build());
		assertThat(info.getPeerCertificates()).isNull();
	}

	@Test
	void plainEscapedAndTabIndentedPemAllGiveTheCertificate() throws Exception {
		String pem = TestCertificate.selfSigned("CN=uwsgi-test");
		String escaped = URLEncoder.encode(pem, StandardCharsets.ISO_8859_1).replace("+", "%20");
		String tabIndented = pem.strip().replace("\n", "\n\t");
		for (String value : new String[] { pem, escaped, tabIndented }) {
			UwsgiSslInfo info = UwsgiSslInfo.from(UwsgiVars.builder().add("SSL_CLIENT_CERT", value).build());
			assertThat(info.getPeerCertificates()).as(value).hasSize(1);
			assertThat(info.getPeerCertificates()[0].getSubjectX500Principal().getName()).isEqualTo("CN=uwsgi-test");
		}
	}

}
