<?php
// Definitions a PHP outline must show.
namespace App\Models;

use InvalidArgumentException;

const DEFAULT_NAME = 'guest';

interface HasName
{
    public function name(): string;
}

trait Greets
{
    public function greet(): string
    {
        return 'Hello ' . $this->name();
    }
}

enum Status: string
{
    case Active = 'active';
    case Banned = 'banned';

    public function label(): string
    {
        return ucfirst($this->value);
    }
}

abstract class Model
{
    const TABLE = 'models';
    protected static int $count = 0;

    abstract public function save(): bool;
}

final class User extends Model implements HasName
{
    use Greets;

    private array $roles = [];

    public function __construct(private string $name, public readonly int $age = 0)
    {
        self::$count++;
    }

    public function name(): string
    {
        return $this->name;
    }

    public function save(): bool
    {
        return true;
    }

    public static function make(string $name): static
    {
        return new static($name);
    }
}

function helper(int $x): int
{
    return $x * 2;
}
?>
<p><?= helper(2) ?></p>
