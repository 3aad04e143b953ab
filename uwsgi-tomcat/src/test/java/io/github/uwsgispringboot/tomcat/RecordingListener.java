package io.github.uwsgispringboot.tomcat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;

/**
 * Records what the connector tells its listener.
 */
class RecordingListener implements UwsgiServerListener {

	final AtomicInteger opened = new AtomicInteger();

	final AtomicInteger closed = new AtomicInteger();

	final List<String> transports = new CopyOnWriteArrayList<>();

	final List<Reason> rejected = new CopyOnWriteArrayList<>();

	final List<UwsgiExchange> exchanges = new CopyOnWriteArrayList<>();

	@Override
	public void connectionOpened(String transport) {
		this.opened.incrementAndGet();
		this.transports.add(transport);
	}

	@Override
	public void connectionClosed(String transport) {
		this.closed.incrementAndGet();
	}

	@Override
	public void packetRejected(String transport, Reason reason) {
		this.rejected.add(reason);
	}

	@Override
	public void exchangeCompleted(UwsgiExchange exchange) {
		this.exchanges.add(exchange);
	}

}
