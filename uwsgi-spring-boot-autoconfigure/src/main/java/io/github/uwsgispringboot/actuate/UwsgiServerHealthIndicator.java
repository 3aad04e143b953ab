package io.github.uwsgispringboot.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.github.uwsgispringboot.protocol.ListenQueue;
import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;

/**
 * Health of the uwsgi listener: up while it is bound, with the TCP address and the unix socket
 * path it listens on in the details, and the length and limit of each listener's accept queue
 * that can be read ({@code listenQueue}: a full queue is not down, the server is serving); down
 * once stopped.
 */
public class UwsgiServerHealthIndicator extends AbstractHealthIndicator {

	private final UwsgiListenerStatus server;

	/**
	 * Create an indicator for a server: the Netty server or the Tomcat connectors.
	 * @param server the server
	 */
	public UwsgiServerHealthIndicator(UwsgiListenerStatus server) {
		super("uwsgi health check failed");
		this.server = server;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		if (!this.server.isListening()) {
			builder.down().withDetail("listening", false);
			return;
		}
		builder.up();
		if (this.server.tcpAddress() != null) {
			builder.withDetail("tcp", this.server.tcpAddress().getAddress().getHostAddress() + ":"
					+ this.server.tcpAddress().getPort());
		}
		if (this.server.unixSocketPath() != null) {
			builder.withDetail("unixSocket", this.server.unixSocketPath().toString());
		}
		Map<String, Object> queues = new LinkedHashMap<>();
		for (ListenQueue queue : this.server.listenQueues()) {
			Map<String, Integer> detail = new LinkedHashMap<>();
			detail.put("length", queue.length());
			detail.put("limit", queue.limit());
			queues.put(queue.transport(), detail);
		}
		if (!queues.isEmpty()) {
			builder.withDetail("listenQueue", queues);
		}
	}

}
