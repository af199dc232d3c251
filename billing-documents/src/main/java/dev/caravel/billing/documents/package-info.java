/**
 * Invoice documents: a self-contained HTML invoice with the BOLT11 as a QR code, its plain-text
 * twin, a receipt message, and money formatted by the currency's exponent.
 */
package dev.caravel.billing.documents;
