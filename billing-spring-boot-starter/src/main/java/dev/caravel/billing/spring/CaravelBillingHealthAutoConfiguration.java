package dev.caravel.billing.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/** The {@code caravelBilling} health indicator, when Spring Boot Actuator is present. */
@AutoConfiguration(after = CaravelBillingAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(BillingStatus.class)
@ConditionalOnProperty(
    prefix = "management.health.caravel-billing",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class CaravelBillingHealthAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean(name = "caravelBillingHealthIndicator")
  BillingHealthIndicator caravelBillingHealthIndicator(
      BillingStatus status, ObjectProvider<BillingRails> rails) {
    return new BillingHealthIndicator(status, rails.getIfAvailable());
  }
}
