package io.github.uwsgispringboot.tomcat;

import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * The uwsgi protocol over Tomcat's {@link NioEndpoint}: TCP, or a unix domain socket when
 * {@code unixDomainSocketPath} is set. Load it by name like any protocol handler:
 * <pre>{@code
 * <Connector protocol="io.github.uwsgispringboot.tomcat.UwsgiNioProtocol" port="3031"/>
 * }</pre>
 * or {@code new Connector("io.github.uwsgispringboot.tomcat.UwsgiNioProtocol")}. Its properties
 * are described on {@link AbstractUwsgiProtocol}.
 */
public class UwsgiNioProtocol extends AbstractUwsgiProtocol<NioChannel> {

	private static final Log log = LogFactory.getLog(UwsgiNioProtocol.class);

	/**
	 * Create the protocol handler over a new {@link NioEndpoint}.
	 */
	public UwsgiNioProtocol() {
		this(new UwsgiNioEndpoint());
	}

	private UwsgiNioProtocol(UwsgiNioEndpoint endpoint) {
		super(endpoint);
		endpoint.setConnectionHandler(connectionHandler());
	}

	@Override
	protected Log getLog() {
		return log;
	}

	@Override
	protected String getNamePrefix() {
		return "uwsgi-nio";
	}

}
