/** Argument checks shared by the core's packages. Not exported: nothing here is API. */
package dev.caravel.billing.internal;
