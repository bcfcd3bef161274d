<?php

declare(strict_types=1);

namespace App\Billing;

use InvalidArgumentException;

interface Taxable
{
    public function tax(): float;
}

final class Invoice implements Taxable
{
    private array $lines = [];

    public function __construct(private string $customer, private float $rate = 0.2)
    {
    }

    public function addLine(string $label, float $amount): void
    {
        if ($amount < 0) {
            throw new InvalidArgumentException("negative amount for $label");
        }
        $this->lines[$label] = $amount;
    }

    public function tax(): float
    {
        return array_sum($this->lines) * $this->rate;
    }
}

$invoice = new Invoice('ACME');
$invoice->addLine('hosting', 120.0);
foreach (['support' => 30.0] as $label => $amount) {
    $invoice->addLine($label, $amount);
}
echo sprintf("Tax: %.2f\n", $invoice->tax());
