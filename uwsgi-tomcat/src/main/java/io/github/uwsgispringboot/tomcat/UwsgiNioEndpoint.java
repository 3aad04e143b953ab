package io.github.uwsgispringboot.tomcat;

import java.nio.channels.SocketChannel;

import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Tomcat's {@link NioEndpoint}, telling the uwsgi connection handler of every connection as it is
 * accepted, before it is polled: the connection gauge and the header deadline count from there.
 */
final class UwsgiNioEndpoint extends NioEndpoint {

	private UwsgiConnectionHandler<NioChannel> connectionHandler;

	void setConnectionHandler(UwsgiConnectionHandler<NioChannel> connectionHandler) {
		this.connectionHandler = connectionHandler;
	}

	@Override
	protected boolean setSocketOptions(SocketChannel socket) {
		this.connectionHandler.accepted(socket);
		if (super.setSocketOptions(socket)) {
			return true;
		}
		if (!this.connections.containsKey(socket)) {
			// closed before it had a socket wrapper: the handler hears of no release
			this.connectionHandler.closed(socket);
		}
		return false;
	}

}
