package io.github.uwsgispringboot.protocol;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UwsgiClientCertificatesTests {

	/** A self-signed EC certificate for CN=uwsgi-test, made with keytool; its Base64 has '+' and '/'. */
	static final String PEM = """
			-----BEGIN CERTIFICATE-----
			MIIBRDCB6qADAgECAgkAqUhLg2g1+jowCgYIKoZIzj0EAwIwFTETMBEGA1UEAxMK
			dXdzZ2ktdGVzdDAgFw0yNjEyMDYwMjU4MjVaGA8yMTI2MTExMjAyNTgyNVowFTET
			MBEGA1UEAxMKdXdzZ2ktdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCfF
			yon89TqJN6GAJKp5XLK3kE/dNRKxsUEqAjsPprNaxQKKkdTxcW3ltWqCrLlroyL0
			dqTE2h2bFvtzXUI68FmjITAfMB0GA1UdDgQWBBQohaWiM2fHgdkHO7T7Hs57+ngV
			tDAKBggqhkjOPQQDAgNJADBGAiEAk0vCBxb3U9VGr+M9r8+tutWMIOPObpFeY/xw
			CrSL9GMCIQCBuAAYnc7iHdfrmltA1wsxMh5eOHacztHTw+KOt1kOWA==
			-----END CERTIFICATE-----
			""";

	@Test
	void plainPemOfApacheGivesTheCertificate() {
		assertSubject(read(UwsgiClientCertificates.SSL_CLIENT_CERT, PEM));
	}

	@Test
	void urlEscapedPemOfNginxGivesTheCertificate() {
		// $ssl_client_escaped_cert escapes '+', '/', '=' and the line ends
		String escaped = URLEncoder.encode(PEM, StandardCharsets.ISO_8859_1).replace("+", "%20");
		assertSubject(read(UwsgiClientCertificates.SSL_CLIENT_CERT, escaped));
	}

	@Test
	void escapedPemWhoseBase64PlusSignsAreLeftAsTheyAreGivesTheCertificate() {
		String escaped = PEM.replace("\n", "%0A").replace(" ", "%20");
		assertSubject(read(UwsgiClientCertificates.SSL_CLIENT_CERT, escaped));
	}

	@Test
	void tabIndentedPemOfNginxGivesTheCertificate() {
		assertSubject(read(UwsgiClientCertificates.SSL_CLIENT_CERT, PEM.strip().replace("\n", "\n\t")));
	}

	@Test
	void certificateOfTheUwsgiRouterComesFromHttpsCc() {
		assertSubject(read(UwsgiClientCertificates.HTTPS_CC, PEM));
	}

	@Test
	void noVarOrAnEmptyOneMeansNoCertificate() {
		assertThat(UwsgiClientCertificates.read(UwsgiVars.empty())).isNull();
		assertThat(read(UwsgiClientCertificates.SSL_CLIENT_CERT, "")).isNull();
	}

	@Test
	void valueThatIsNotPemIsIgnored() {
		assertThat(read(UwsgiClientCertificates.SSL_CLIENT_CERT, "not a certificate")).isNull();
		assertThat(read(UwsgiClientCertificates.SSL_CLIENT_CERT, "%zz")).isNull();
	}

	private static X509Certificate[] read(String var, String value) {
		return UwsgiClientCertificates.read(UwsgiVars.builder().add(var, value).build());
	}

	private static void assertSubject(X509Certificate[] certificates) {
		assertThat(certificates).hasSize(1);
		assertThat(certificates[0].getSubjectX500Principal().getName()).isEqualTo("CN=uwsgi-test");
	}

}
