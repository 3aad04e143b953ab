package io.github.uwsgispringboot.autoconfigure;

import java.net.InetSocketAddress;
import java.nio.file.Path;

import org.springframework.context.ApplicationEvent;

import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;

/**
 * Published once the uwsgi listener is bound and accepting, with the addresses it listens on.
 */
public class UwsgiServerStartedEvent extends ApplicationEvent {

	private static final long serialVersionUID = 1L;

	private final transient InetSocketAddress tcpAddress;

	private final transient Path unixSocketPath;

	/**
	 * Create an event.
	 * @param server the started server: the Netty server, or the Tomcat connectors
	 */
	public UwsgiServerStartedEvent(UwsgiListenerStatus server) {
		super(server);
		this.tcpAddress = server.tcpAddress();
		this.unixSocketPath = server.unixSocketPath();
	}

	/**
	 * Return the started server.
	 * @return the server
	 */
	public UwsgiListenerStatus getServer() {
		return (UwsgiListenerStatus) getSource();
	}

	/**
	 * Return the bound TCP address, with the actual port when port 0 was asked for.
	 * @return the address, or {@code null} without a TCP listener
	 */
	public InetSocketAddress getTcpAddress() {
		return this.tcpAddress;
	}

	/**
	 * Return the path of the unix socket.
	 * @return the path, or {@code null} without a unix socket listener
	 */
	public Path getUnixSocketPath() {
		return this.unixSocketPath;
	}

}
