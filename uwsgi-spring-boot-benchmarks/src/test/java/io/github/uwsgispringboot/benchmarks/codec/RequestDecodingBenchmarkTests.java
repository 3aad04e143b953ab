package io.github.uwsgispringboot.benchmarks.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

import io.github.uwsgispringboot.protocol.UwsgiConstants;
import io.github.uwsgispringboot.codec.UwsgiRequestDecoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The codec benchmark compares like with like: both fixtures are the same request, and every
 * benchmark method decodes a whole request, reads it and releases it. Runs no benchmark.
 */
class RequestDecodingBenchmarkTests {

	private final Blackhole blackhole = new Blackhole(
			"Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

	@Test
	void uwsgiPacketAndHttpRequestDecodeToTheSameRequest() {
		HttpRequest fromUwsgi = decode(new EmbeddedChannel(new UwsgiRequestDecoder(UwsgiConstants.MAX_VARS_SIZE)),
				BrowserRequest.uwsgi());
		HttpRequest fromHttp = decode(new EmbeddedChannel(new HttpRequestDecoder()), BrowserRequest.http());
		assertThat(fromUwsgi.method()).isEqualTo(fromHttp.method());
		assertThat(fromUwsgi.uri()).isEqualTo(fromHttp.uri()).isEqualTo("/hello?lang=en");
		Map<String, List<String>> httpHeaders = headers(fromHttp);
		// a hop-by-hop header: the uwsgi decoder drops it, since it describes the client's connection to nginx
		assertThat(httpHeaders.remove("connection")).containsExactly("keep-alive");
		assertThat(headers(fromUwsgi)).isEqualTo(httpHeaders).hasSize(BrowserRequest.HEADERS.size() - 1);
		Map<String, List<String>> httpEntries = entries(fromHttp);
		httpEntries.remove("connection");
		assertThat(entries(fromUwsgi)).isEqualTo(httpEntries).isEqualTo(httpHeaders);
		for (String name : List.of("Host", "Connection", "Content-Length", "Transfer-Encoding", "Expect", "Accept",
				"Origin", "Content-Type", "Cookie")) {
			if (!name.equals("Connection")) {
				assertThat(fromUwsgi.headers().get(name)).as(name).isEqualTo(fromHttp.headers().get(name));
			}
		}
	}

	@Test
	void everyBenchmarkDecodesAWholeRequestAndReleasesIt() throws Exception {
		RequestDecodingBenchmark benchmark = new RequestDecodingBenchmark();
		benchmark.setUp();
		try {
			for (int i = 0; i < 3; i++) {
				assertThat(benchmark.uwsgi(this.blackhole).uri()).isEqualTo(BrowserRequest.URI);
				assertThat(benchmark.httpKeepAlive(this.blackhole).uri()).isEqualTo(BrowserRequest.URI);
				assertThat(benchmark.httpNewConnection(this.blackhole).uri()).isEqualTo(BrowserRequest.URI);
			}
		}
		finally {
			benchmark.tearDown();
		}
	}

	private static HttpRequest decode(EmbeddedChannel channel, Object input) {
		assertThat(channel.writeInbound(input)).isTrue();
		HttpRequest request = channel.readInbound();
		assertThat(request.decoderResult().isSuccess()).isTrue();
		LastHttpContent last = channel.readInbound();
		assertThat(last.content().isReadable()).isFalse();
		last.release();
		assertThat((Object) channel.readInbound()).isNull();
		channel.finishAndReleaseAll();
		return request;
	}

	private static Map<String, List<String>> headers(HttpRequest request) {
		Map<String, List<String>> headers = new TreeMap<>();
		request.headers().names().forEach((name) -> headers.put(name.toLowerCase(Locale.ROOT), request.headers().getAll(name)));
		return headers;
	}

	/** The headers as iteration gives them, by lower-case name, values in order. */
	private static Map<String, List<String>> entries(HttpRequest request) {
		Map<String, List<String>> entries = new TreeMap<>();
		request.headers().iteratorCharSequence().forEachRemaining((entry) -> entries
			.computeIfAbsent(entry.getKey().toString().toLowerCase(Locale.ROOT), (name) -> new ArrayList<>())
			.add(entry.getValue().toString()));
		return entries;
	}

}
