package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * A plain embedded Tomcat with only a uwsgi connector, on port 0, serving {@link TestApplication}.
 */
final class UwsgiTomcat implements AutoCloseable {

	final Tomcat tomcat = new Tomcat();

	final Connector connector = new Connector(UwsgiNioProtocol.class.getName());

	final RecordingListener listener = new RecordingListener();

	final Context context;

	UwsgiTomcat(Consumer<Connector> customizer) throws IOException {
		Path base = Files.createTempDirectory("uwsgi-tomcat");
		this.tomcat.setBaseDir(base.toString());
		this.connector.setPort(0);
		customizer.accept(this.connector);
		((UwsgiNioProtocol) this.connector.getProtocolHandler()).setServerListener(this.listener);
		this.tomcat.setConnector(this.connector);
		this.context = this.tomcat.addContext("", null);
		Tomcat.addServlet(this.context, "app", new TestApplication()).setAsyncSupported(true);
		this.context.addServletMappingDecoded("/*", "app");
	}

	UwsgiTomcat start() throws LifecycleException {
		this.tomcat.start();
		return this;
	}

	int port() {
		return this.connector.getLocalPort();
	}

	RawClient client() throws IOException {
		return new RawClient(port());
	}

	@Override
	public void close() throws LifecycleException {
		this.tomcat.stop();
		this.tomcat.destroy();
	}

}
