package dev.caravel.billing.examples.host;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The example host: Caravel Billing embedded through billing-spring-boot-starter, on in-memory H2
 * with demo rails, serving the tenant's invoice page at the DM's link {@code
 * {appUrl}/account?invoice={id}}. See examples/host/README.md.
 */
@SpringBootApplication
public class HostApplication {
  public static void main(String[] args) {
    SpringApplication.run(HostApplication.class, args);
  }
}
