package io.github.uwsgispringboot.actuate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.github.uwsgispringboot.protocol.ListenQueue;
import io.github.uwsgispringboot.protocol.ListenQueueMonitor;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException;
import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;

/**
 * Micrometer meters of the uwsgi listener, apart from the HTTP server's
 * {@code reactor.netty.http.server.*} and beside the application's {@code http.server.requests}
 * (which uwsgi requests feed too). Every meter has a {@code transport} tag, {@code tcp} or
 * {@code unix}.
 * <table>
 * <caption>Meters</caption>
 * <tr><th>Name</th><th>Type</th><th>Tags</th></tr>
 * <tr><td>{@value #CONNECTIONS_ACTIVE}</td><td>gauge</td><td>transport</td></tr>
 * <tr><td>{@value #REQUESTS}</td><td>timer</td><td>transport, outcome, status</td></tr>
 * <tr><td>{@value #BYTES_RECEIVED}</td><td>counter (bytes of request bodies)</td><td>transport</td></tr>
 * <tr><td>{@value #BYTES_SENT}</td><td>counter (bytes of response bodies)</td><td>transport</td></tr>
 * <tr><td>{@value #PACKETS_REJECTED}</td><td>counter</td><td>transport, reason</td></tr>
 * <tr><td>{@value #LISTEN_QUEUE}</td><td>gauge (connections)</td><td>transport</td></tr>
 * <tr><td>{@value #LISTEN_QUEUE_LIMIT}</td><td>gauge (connections)</td><td>transport</td></tr>
 * </table>
 * The listen queue gauges are registered for a transport once the server can read its queue from
 * the kernel (see {@link ListenQueueMonitor}), and read what it read last: no value (NaN) while
 * the server is stopped.
 */
public class UwsgiServerMeters implements UwsgiServerListener {

	/** Connections open now. */
	public static final String CONNECTIONS_ACTIVE = "uwsgi.server.connections.active";

	/** Requests answered, with their duration. */
	public static final String REQUESTS = "uwsgi.server.requests";

	/** Bytes of request bodies received. */
	public static final String BYTES_RECEIVED = "uwsgi.server.bytes.received";

	/** Bytes of response bodies sent. */
	public static final String BYTES_SENT = "uwsgi.server.bytes.sent";

	/** Packets refused as malformed or unsupported, by reason. */
	public static final String PACKETS_REJECTED = "uwsgi.server.packets.rejected";

	/** Counter of responses cut short: their head was sent, their end never was. */
	public static final String RESPONSES_CUT = "uwsgi.server.responses.cut";

	/** Counter of requests cancelled by the request timeout ({@code uwsgi.request-timeout}). */
	public static final String REQUESTS_TIMED_OUT = "uwsgi.server.requests.timeout";

	/** Connections waiting in the kernel's accept queue of the listener, not yet accepted. */
	public static final String LISTEN_QUEUE = "uwsgi.server.listen.queue";

	/** The backlog the kernel keeps the listener's accept queue to. */
	public static final String LISTEN_QUEUE_LIMIT = "uwsgi.server.listen.queue.limit";

	private final MeterRegistry registry;

	/** What each transport's listen queue gauges read: the queue of the server that started last. */
	private final Map<String, AtomicReference<Supplier<ListenQueue>>> listenQueues = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> activeConnections;

	private final Map<String, TransportMeters> transports;

	/**
	 * Register the meters.
	 * @param registry the registry to register them with
	 */
	public UwsgiServerMeters(MeterRegistry registry) {
		this.registry = registry;
		this.activeConnections = Map.of(UwsgiExchange.TCP, activeConnections(UwsgiExchange.TCP), UwsgiExchange.UNIX,
				activeConnections(UwsgiExchange.UNIX));
		this.transports = Map.of(UwsgiExchange.TCP, new TransportMeters(UwsgiExchange.TCP), UwsgiExchange.UNIX,
				new TransportMeters(UwsgiExchange.UNIX));
	}

	private AtomicInteger activeConnections(String transport) {
		AtomicInteger count = new AtomicInteger();
		Gauge.builder(CONNECTIONS_ACTIVE, count, AtomicInteger::get)
			.description("uwsgi connections open now")
			.tag("transport", transport)
			.register(this.registry);
		return count;
	}

	@Override
	public void connectionOpened(String transport) {
		this.activeConnections.get(transport).incrementAndGet();
	}

	@Override
	public void connectionClosed(String transport) {
		this.activeConnections.get(transport).decrementAndGet();
	}

	@Override
	public void packetRejected(String transport, UwsgiProtocolException.Reason reason) {
		Counter.builder(PACKETS_REJECTED)
			.description("uwsgi packets refused as malformed or unsupported")
			.tags("transport", transport, "reason", reason.name())
			.register(this.registry)
			.increment();
	}

	@Override
	public void exchangeFailed(UwsgiExchange exchange) {
		this.transports.get(exchange.transport()).cut.increment();
	}

	@Override
	public void requestTimedOut(String transport) {
		this.transports.get(transport).timedOut.increment();
	}

	@Override
	public void listenQueueWatched(String transport, Supplier<ListenQueue> queue) {
		this.listenQueues.computeIfAbsent(transport, (name) -> {
			AtomicReference<Supplier<ListenQueue>> source = new AtomicReference<>();
			listenQueueGauge(LISTEN_QUEUE, "connections waiting in the uwsgi listener's accept queue", name, source,
					ListenQueue::length);
			listenQueueGauge(LISTEN_QUEUE_LIMIT, "the backlog the kernel keeps the uwsgi listener's accept queue to",
					name, source, ListenQueue::limit);
			return source;
		}).set(queue);
	}

	private void listenQueueGauge(String name, String description, String transport,
			AtomicReference<Supplier<ListenQueue>> source, ToIntFunction<ListenQueue> value) {
		Gauge.builder(name, source, (reference) -> {
			Supplier<ListenQueue> supplier = reference.get();
			ListenQueue queue = (supplier != null) ? supplier.get() : null;
			return (queue != null) ? value.applyAsInt(queue) : Double.NaN;
		}).description(description).baseUnit("connections").tag("transport", transport).register(this.registry);
	}

	@Override
	public void exchangeCompleted(UwsgiExchange exchange) {
		TransportMeters meters = this.transports.get(exchange.transport());
		meters.requests(exchange.status()).record(exchange.duration());
		meters.bytesReceived.increment(exchange.bytesReceived());
		meters.bytesSent.increment(exchange.bytesSent());
	}

	/**
	 * The meters of one transport, registered once: a request costs a map lookup, not a meter's
	 * registration (building and sorting its tags), on the request's own thread.
	 */
	private final class TransportMeters {

		private final String transport;

		private final Counter bytesReceived;

		private final Counter bytesSent;

		private final Counter timedOut;

		private final Counter cut;

		private final Map<Integer, Timer> requestsByStatus = new ConcurrentHashMap<>();

		TransportMeters(String transport) {
			this.transport = transport;
			this.bytesReceived = Counter.builder(BYTES_RECEIVED)
				.baseUnit("bytes")
				.description("bytes of uwsgi request bodies received")
				.tag("transport", transport)
				.register(UwsgiServerMeters.this.registry);
			this.bytesSent = Counter.builder(BYTES_SENT)
				.baseUnit("bytes")
				.description("bytes of uwsgi response bodies sent")
				.tag("transport", transport)
				.register(UwsgiServerMeters.this.registry);
			this.cut = Counter.builder(RESPONSES_CUT)
				.description("uwsgi responses cut short: their head was sent, their end never was")
				.tag("transport", transport)
				.register(UwsgiServerMeters.this.registry);
			this.timedOut = Counter.builder(REQUESTS_TIMED_OUT)
				.description("uwsgi requests cancelled by the request timeout")
				.tag("transport", transport)
				.register(UwsgiServerMeters.this.registry);
		}

		Timer requests(int status) {
			return this.requestsByStatus.computeIfAbsent(status, (code) -> Timer.builder(REQUESTS)
				.description("uwsgi requests answered")
				.tags("transport", this.transport, "outcome", outcome(code), "status", Integer.toString(code))
				.register(UwsgiServerMeters.this.registry));
		}

	}

	private static String outcome(int status) {
		return switch (status / 100) {
			case 1 -> "INFORMATIONAL";
			case 2 -> "SUCCESS";
			case 3 -> "REDIRECTION";
			case 4 -> "CLIENT_ERROR";
			case 5 -> "SERVER_ERROR";
			default -> "UNKNOWN";
		};
	}

}
