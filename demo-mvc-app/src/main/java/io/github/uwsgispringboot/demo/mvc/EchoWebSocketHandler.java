package io.github.uwsgispringboot.demo.mvc;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * A WebSocket at {@code /ws/echo}, with Spring's standard WebSocket support on Tomcat: text comes
 * back prefixed with "echo: ", binary comes back as sent, and Tomcat answers pings. Through nginx
 * {@code uwsgi_pass} the uwsgi connector takes the servlet upgrade, answers {@code 101}, and nginx
 * tunnels the connection.
 */
public class EchoWebSocketHandler extends AbstractWebSocketHandler {

	/** The largest message the echo takes whole, text or binary (Tomcat's default is 8 KiB). */
	static final int MAX_MESSAGE_SIZE = 2 * 1024 * 1024;

	@Override
	protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
		session.sendMessage(new TextMessage("echo: " + message.getPayload()));
	}

	@Override
	protected void handleBinaryMessage(WebSocketSession session, BinaryMessage message) throws Exception {
		session.sendMessage(new BinaryMessage(message.getPayload()));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableWebSocket
	static class Mapping implements WebSocketConfigurer {

		@Override
		public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
			registry.addHandler(new EchoWebSocketHandler(), "/ws/echo");
		}

		/**
		 * Messages of up to 2 MiB, whole.
		 */
		@Bean
		ServletServerContainerFactoryBean webSocketContainer() {
			ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
			container.setMaxTextMessageBufferSize(MAX_MESSAGE_SIZE);
			container.setMaxBinaryMessageBufferSize(MAX_MESSAGE_SIZE);
			return container;
		}

	}

}
