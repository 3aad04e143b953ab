package io.github.uwsgispringboot.autoconfigure;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the configuration metadata the configuration processor generates from
 * {@link UwsgiProperties}: what IDEs show users for every {@code uwsgi.*} property.
 */
class UwsgiConfigurationMetadataTests {

	private final List<Map<String, Object>> properties = uwsgiProperties();

	@Test
	void describesEveryProperty() {
		assertThat(this.properties).extracting((property) -> property.get("name"))
			.contains("uwsgi.enabled", "uwsgi.address", "uwsgi.port", "uwsgi.max-vars-size", "uwsgi.linger-timeout",
					"uwsgi.unix-socket.path", "uwsgi.unix-socket.permissions");
		assertThat(this.properties).allSatisfy((property) -> assertThat((String) property.get("description"))
			.as("description of %s", property.get("name"))
			.isNotBlank());
	}

	@Test
	void descriptionsFollowSpringBootStyle() {
		assertThat(this.properties).allSatisfy((property) -> {
			String description = (String) property.get("description");
			assertThat(description).as("description of %s", property.get("name")).doesNotStartWith("The ").endsWith(".");
			if ("java.lang.Boolean".equals(property.get("type"))) {
				assertThat(description).as("description of %s", property.get("name")).startsWith("Whether ");
			}
		});
	}

	private static List<Map<String, Object>> uwsgiProperties() {
		List<Map<String, Object>> found = new ArrayList<>();
		try {
			for (URL metadata : Collections.list(UwsgiConfigurationMetadataTests.class.getClassLoader()
				.getResources("META-INF/spring-configuration-metadata.json"))) {
				try (InputStream in = metadata.openStream()) {
					found.addAll(JsonPath.parse(in).read("$.properties[?(@.name =~ /uwsgi\\..*/)]"));
				}
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException("Cannot read the configuration metadata", ex);
		}
		return found;
	}

}
